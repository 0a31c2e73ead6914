import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Engine, MS } from "../src/sim/engine.js";
import { Arrival, Reassembly, TcpSender } from "../src/workloads/tcp-flow.js";

describe("Reassembly (the receiver)", () => {
  it("holds segments beyond a gap and takes them all when the gap fills", () => {
    const r = new Reassembly();
    expect(r.accept(0, 10)).toBe(Arrival.InOrder);
    expect(r.accept(2, 12)).toBe(Arrival.OutOfOrder);
    expect(r.accept(3, 13)).toBe(Arrival.OutOfOrder);
    expect(r.accept(3, 13)).toBe(Arrival.Duplicate);
    expect(r.rcvNext).toBe(1);
    expect(r.tsRecent).toBe(10); // out-of-order segments do not update TS.Recent
    expect(r.accept(1, 50)).toBe(Arrival.FilledGap);
    expect(r.rcvNext).toBe(4);
    expect(r.tsRecent).toBe(50);
    expect(r.accept(0, 60)).toBe(Arrival.Duplicate);
  });

  it("delivers every segment exactly once whatever the arrival order (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 200, size: "max" }), (order) => {
        const r = new Reassembly();
        const all = [...order, ...Array.from({ length: 41 }, (_, i) => i)];
        let taken = 0;
        for (const seq of all) {
          const before = r.rcvNext;
          r.accept(seq, 0);
          taken += r.rcvNext - before;
        }
        expect(r.rcvNext).toBe(41);
        expect(taken).toBe(41);
      }),
    );
  });
});

/**
 * A sender wired to a scripted network: `sent` records what it puts on the wire, and
 * the test plays the receiver by hand.
 */
function rig(segments = 100, maxWindow = 20) {
  const engine = new Engine();
  const sent: number[] = [];
  const sender = new TcpSender(engine, { segments, maxWindow }, (seq) => sent.push(seq));
  return { engine, sent, sender };
}

describe("TcpSender", () => {
  it("starts with the initial window of 3 and grows by one segment per ACKed segment in slow start", () => {
    const { sent, sender } = rig();
    sender.send();
    expect(sent).toEqual([0, 1, 2]);
    sender.onAck(1, -1, 0);
    expect(sent).toEqual([0, 1, 2, 3, 4]); // cwnd 4, one outstanding segment left the network
    expect(sender.cwnd).toBe(4);
  });

  it("after three duplicate ACKs with SACK resends only the lost segment, and halves the window", () => {
    const { sent, sender } = rig();
    sender.send();
    for (let ack = 1; ack <= 7; ack++) sender.onAck(ack, -1, 0); // cwnd 10, segments 7..16 out
    expect(sender.cwnd).toBe(10);
    expect(sender.sndNxt).toBe(17);
    sent.length = 0;
    // Segment 7 is lost; 8, 9, 10 arrive and each draws an immediate ACK for 7 with a SACK.
    sender.onAck(7, 8, 0);
    sender.onAck(7, 9, 0);
    expect(sent).toEqual([]);
    sender.onAck(7, 10, 0);
    expect(sent).toEqual([7]);
    expect(sender.ssthresh).toBe(5);
    expect(sender.cwnd).toBe(5);
    expect(sender.retransmissions).toBe(1);
    // The retransmission fills the gap: everything up to 17 is ACKed, recovery ends.
    sender.onAck(17, -1, 0);
    expect(sent.filter((s) => s === 7)).toHaveLength(1);
    expect(sender.cwnd).toBe(5);
    expect(sent.slice(1)).toEqual([17, 18, 19, 20, 21]);
  });

  it("after a timeout resends, a window of one at a time, only what the receiver does not hold", () => {
    const { engine, sent, sender } = rig();
    sender.send();
    for (let ack = 1; ack <= 5; ack++) sender.onAck(ack, -1, 0); // segments 5..12 out
    sender.onAck(5, 7, 0); // the receiver holds 7 (one SACK, too few for fast retransmit)
    sent.length = 0;
    engine.run(10_000 * MS); // the RTO (3 s before any RTT sample) fires, then backs off
    expect(sent[0]).toBe(5);
    expect(sender.cwnd).toBe(1);
    sender.onAck(6, -1, 1e12); // echo of the retransmission: a real loss
    expect(sent).toContain(6);
    expect(sent).not.toContain(7); // SACKed: not sent again
  });

  it("undoes a spurious timeout: the first ACK after it echoes a segment sent before it", () => {
    const { engine, sent, sender } = rig();
    sender.send();
    for (let ack = 1; ack <= 5; ack++) sender.onAck(ack, -1, 0);
    const cwnd = sender.cwnd;
    sent.length = 0;
    engine.run(250 * MS); // RTT samples of 0 leave the minimum RTO, 200 ms
    expect(sent).toEqual([5]);
    // The originals were only delayed: their ACK echoes their send time (0), before the timeout.
    sender.onAck(9, -1, 0);
    expect(sender.cwnd).toBe(cwnd + 4); // the old window back, and slow start goes on
    expect(sender.retransmissions).toBe(1);
    expect(sent.slice(1)).toEqual([13, 14, 15, 16, 17, 18, 19, 20]); // new data only: nothing of 9..12 resent
  });

  it("sends every segment, and finishes, over a network that loses and reorders nothing but drops at random (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 2 ** 31 }), fc.double({ min: 0, max: 0.3, noNaN: true }), (segments, seed, loss) => {
        const engine = new Engine();
        // Park–Miller: the state must stay in 1 … 2^31 − 2, or it sticks at 0 and every packet is lost.
        let x = (seed % 2147483646) + 1;
        const rand = () => ((x = (x * 48271) % 2147483647) / 2147483647);
        const r = new Reassembly();
        const sender: TcpSender = new TcpSender(engine, { segments, maxWindow: 20 }, (seq) => {
          if (rand() < loss) return;
          const ts = engine.now;
          engine.after(MS, () => {
            const arrival = r.accept(seq, ts);
            const sack = arrival === Arrival.OutOfOrder ? seq : -1;
            const echo = r.tsRecent;
            if (rand() < loss) return;
            engine.after(MS, () => sender.onAck(r.rcvNext, sack, echo));
          });
        });
        sender.send();
        engine.run(100_000_000 * MS);
        expect(r.rcvNext).toBe(segments);
        expect(sender.done).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
