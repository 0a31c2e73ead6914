import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BlockRequest } from "../src/block/blkback.js";
import { CfqElevator, NoopElevator, type CfqParams, type Elevator } from "../src/block/elevator.js";
import { Engine, MS, SEC } from "../src/sim/engine.js";

const LINUX: CfqParams = { slice: 100 * MS, sliceIdle: 8 * MS, quantum: 4, sliceAsync: 40 * MS, sliceAsyncRq: 2 };

/**
 * A disk that serves each request in `service(guest)` ns, one at a time, asking the
 * elevator for the next whenever it is free, and guests that each keep one request
 * outstanding, issuing the next `think(guest)` ns after the last completes; the guests
 * in `writers` write, the others read.
 */
function closedLoops(make: (engine: Engine, kick: () => void) => Elevator, guests: number[], service: (g: number) => number, think: (g: number) => number, writers: number[] = []) {
  const engine = new Engine();
  let serving: BlockRequest | null = null;
  /** Each dispatch, as [guest, time]. */
  const served: Array<[number, number]> = [];
  /** Requests waiting in the elevator, and the disk's idle time while any were. */
  let queued = 0;
  let idleSince = -1;
  let longestIdleWithWork = 0;
  const sink = {
    completed: (r: BlockRequest) => {
      const g = r.guest;
      engine.at(engine.now + think(g), () => add(request(g)));
    },
  };
  const request = (guest: number): BlockRequest => ({ guest, bytes: 4096, sequential: true, write: writers.includes(guest), issued: engine.now, sink, service: 0 });
  const startNext = () => {
    if (serving !== null) return;
    const req = elevator.next();
    if (req === undefined) {
      if (queued > 0 && idleSince < 0) idleSince = engine.now;
      return;
    }
    if (idleSince >= 0) longestIdleWithWork = Math.max(longestIdleWithWork, engine.now - idleSince);
    idleSince = -1;
    queued--;
    serving = req;
    served.push([req.guest, engine.now]);
    engine.at(engine.now + service(req.guest), () => {
      serving = null;
      elevator.completed(req);
      req.sink.completed(req);
      startNext();
    });
  };
  const elevator = make(engine, startNext);
  const add = (req: BlockRequest) => {
    queued++;
    elevator.add(req);
    startNext();
  };
  engine.at(0, () => guests.forEach((g) => add(request(g))));
  return {
    engine,
    served,
    add,
    request,
    get longestIdleWithWork() {
      return longestIdleWithWork;
    },
  };
}

/** The dispatch order as runs of one guest: [guest, requests in the run]. */
function runs(served: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [g] of served) {
    if (out.length > 0 && out[out.length - 1][0] === g) out[out.length - 1][1]++;
    else out.push([g, 1]);
  }
  return out;
}

describe("Domain-0's elevators", () => {
  it("noop serves requests in arrival order, whoever sent them", () => {
    const noop = new NoopElevator();
    const sink = { completed: () => {} };
    for (const g of [2, 1, 2, 3]) noop.add({ guest: g, bytes: 512, sequential: false, issued: 0, sink, service: 0 });
    expect([1, 2, 3, 4].map(() => noop.next()?.guest)).toEqual([2, 1, 2, 3]);
    expect(noop.next()).toBeUndefined();
  });

  it("cfq gives each greedy guest the disk for its 100 ms slice in turn", () => {
    const h = closedLoops((e, kick) => new CfqElevator(e, LINUX, kick), [1, 2], () => 1 * MS, () => 0);
    h.engine.run(410 * MS);
    // Guest 1 dispatches at 0, 1, …, 100 ms (a request may start at the slice's last
    // instant: CFQ expires a slice once the clock is past its end), 101 requests; guest 2
    // then has the disk from 101 ms to 202 ms, and so on.
    expect(runs(h.served).slice(0, 4)).toEqual([
      [1, 101],
      [2, 101],
      [1, 101],
      [2, 101],
    ]);
    expect(h.served[101]).toEqual([2, 101 * MS]);
  });

  it("cfq scales a guest's slice by its I/O priority: 180 ms at 0, 40 ms at 7", () => {
    const h = closedLoops(
      (e, kick) => {
        const cfq = new CfqElevator(e, LINUX, kick);
        cfq.setPriority(1, 0);
        cfq.setPriority(2, 7);
        expect([0, 4, 7].map((p) => cfq.sliceFor(p))).toEqual([180 * MS, 100 * MS, 40 * MS]);
        return cfq;
      },
      [1, 2],
      () => 1 * MS,
      () => 0,
    );
    h.engine.run(500 * MS);
    expect(runs(h.served).slice(0, 3)).toEqual([
      [1, 181],
      [2, 41],
      [1, 181],
    ]);
  });

  it("cfq keeps the disk idle for a guest that thinks less than slice_idle, and stops once it thinks longer", () => {
    // Guest 1 issues its next request 5 ms after each completes: within the 8 ms CFQ
    // waits, so it keeps its slice: dispatches at 0, 6, …, 96 ms (17). The request it
    // was waited for after its 97 ms completion comes at 102 ms, past the slice's end,
    // and is still dispatched (CFQ's must_dispatch); the turn ends as it completes.
    const quick = closedLoops((e, kick) => new CfqElevator(e, LINUX, kick), [1, 2], () => 1 * MS, (g) => (g === 1 ? 5 * MS : 0));
    quick.engine.run(300 * MS);
    expect(runs(quick.served)[0]).toEqual([1, 18]);
    expect(quick.served.slice(17, 19)).toEqual([
      [1, 102 * MS],
      [2, 103 * MS],
    ]);

    // Guest 1 thinking 10 ms: CFQ's decaying mean of the think time (samples of 0, then
    // 10 ms each) reaches 7.1 and 7.98 ms at the third and fourth requests, when it first
    // counts (sample_valid), and 8.5 ms at the fifth, which closes the idle window. Until
    // then the disk waits 8 ms in vain after each of guest 1's requests; from then on a
    // request of guest 1's is one turn of its own, and guest 2 has the disk meanwhile.
    const slow = closedLoops((e, kick) => new CfqElevator(e, LINUX, kick), [1, 2], () => 1 * MS, (g) => (g === 1 ? 10 * MS : 0));
    slow.engine.run(2 * SEC);
    const r = runs(slow.served);
    // Each of guest 1's first four requests is its turn (its next comes after guest 2's
    // slice), ended by an idle wait: 1 ms of service and 8 ms of waiting before guest 2
    // has the disk. From the fifth on, the turn ends as the request is dispatched.
    const gaps = slow.served
      .map(([g, t], i) => (g === 2 && i > 0 && slow.served[i - 1][0] === 1 ? t - slow.served[i - 1][1] : -1))
      .filter((gap) => gap >= 0);
    expect(gaps.slice(0, 5)).toEqual([9 * MS, 9 * MS, 9 * MS, 9 * MS, 1 * MS]);
    expect(gaps.slice(5).every((gap) => gap === 1 * MS)).toBe(true);
    expect(r.filter(([g]) => g === 1).every(([, n]) => n === 1)).toBe(true);
  });

  it("cfq lets a guest that does not idle dispatch `quantum` requests a turn", () => {
    const engine = new Engine();
    const cfq = new CfqElevator(engine, { ...LINUX, sliceIdle: 0 }, () => {});
    const sink = { completed: () => {} };
    for (let i = 0; i < 10; i++) for (const g of [1, 2]) cfq.add({ guest: g, bytes: 4096, sequential: true, issued: 0, sink, service: 0 });
    const order: number[] = [];
    for (let req = cfq.next(); req !== undefined; req = cfq.next()) {
      order.push(req.guest);
      cfq.completed(req);
    }
    // Four of guest 1's, four of guest 2's, …, and the two each has left.
    expect(order.join("")).toBe("11112222111122221122");
  });

  it("cfq puts every guest's writes in one shared queue, whose turn is at most 16 requests or 40 ms, and never waits", () => {
    const h = closedLoops((e, kick) => new CfqElevator(e, LINUX, kick), [1, 2, 3], () => 1 * MS, () => 0, [2, 3]);
    h.engine.run(300 * MS);
    const order = h.served.map(([g]) => g).join("");
    // Guest 1's reads have the disk for their 100 ms slice (101 requests); then the write
    // queue, where guests 2 and 3 take turns request by request, in arrival order, for
    // 16 requests (cfq_prio_to_maxrq at priority 4: 2 · (2 + 2 · 3)); then guest 1 again.
    expect(order.slice(0, 101 + 16 + 101 + 16)).toBe("1".repeat(101) + "23".repeat(8) + "1".repeat(101) + "23".repeat(8));
    const cfq = new CfqElevator(new Engine(), LINUX, () => {});
    expect([0, 4, 7].map((p) => [cfq.sliceFor(p, false), cfq.asyncRequestsFor(p)])).toEqual([
      [72 * MS, 32],
      [40 * MS, 16],
      [16 * MS, 4],
    ]);
    // Slow writes end the turn by time instead: 16 requests of 3 ms would take 48 ms, and
    // the turn that starts at 101 ms dispatches its last at 140 ms, 14 requests.
    const slow = closedLoops((e, kick) => new CfqElevator(e, LINUX, kick), [1, 2, 3], (g) => (g === 1 ? 1 * MS : 3 * MS), () => 0, [2, 3]);
    slow.engine.run(300 * MS);
    expect(slow.served.map(([g]) => g).join("").slice(0, 101 + 14 + 101)).toBe("1".repeat(101) + "23".repeat(7) + "1".repeat(101));
    // A lone writer keeping one request outstanding empties the queue at every completion,
    // so each of its turns is one request.
    const lone = closedLoops((e, kick) => new CfqElevator(e, LINUX, kick), [1, 2], () => 1 * MS, () => 0, [2]);
    lone.engine.run(300 * MS);
    expect(runs(lone.served).slice(0, 4)).toEqual([
      [1, 101],
      [2, 1],
      [1, 101],
      [2, 1],
    ]);
  });

  it("cfq serves every request once, reads and writes, and keeps the disk idle with work waiting for no longer than slice_idle (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ service: fc.integer({ min: 100_000, max: 15 * MS }), think: fc.integer({ min: 0, max: 20 * MS }), priority: fc.integer({ min: 0, max: 7 }), write: fc.boolean() }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 12 * MS }),
        (guests, sliceIdle) => {
          const ids = guests.map((_, i) => i + 1);
          const h = closedLoops(
            (e, kick) => {
              const cfq = new CfqElevator(e, { ...LINUX, sliceIdle }, kick);
              ids.forEach((g) => cfq.setPriority(g, guests[g - 1].priority));
              return cfq;
            },
            ids,
            (g) => guests[g - 1].service,
            (g) => guests[g - 1].think,
            ids.filter((g) => guests[g - 1].write),
          );
          h.engine.run(2 * SEC);
          // One request outstanding per guest: dispatches of a guest alternate with its completions, so none is lost or repeated.
          for (const g of ids) {
            const times = h.served.filter(([x]) => x === g).map(([, t]) => t);
            for (let k = 1; k < times.length; k++) expect(times[k] - times[k - 1]).toBeGreaterThanOrEqual(guests[g - 1].service + guests[g - 1].think);
            expect(times.length).toBeGreaterThan(0);
          }
          expect(h.longestIdleWithWork).toBeLessThanOrEqual(sliceIdle);
        },
      ),
      { numRuns: 60 },
    );
  });
});
