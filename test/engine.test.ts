import { describe, expect, it } from "vitest";
import { Engine } from "../src/sim/engine.js";
import { EventQueue, type SimEvent } from "../src/sim/event-queue.js";
import { rngStream } from "../src/sim/rng.js";
import { Timer } from "../src/sim/timer.js";
import fc from "fast-check";

describe("Engine", () => {
  it("fires events in time order and equal times first-in first-out", () => {
    const e = new Engine();
    const seen: string[] = [];
    e.at(20, () => seen.push("b"));
    e.at(10, () => seen.push("a"));
    e.at(20, () => seen.push("c"));
    e.at(20, () => e.at(20, () => seen.push("d (scheduled during c's instant)")));
    e.run(100);
    expect(seen).toEqual(["a", "b", "c", "d (scheduled during c's instant)"]);
    expect(e.now).toBe(100);
  });

  it("skips cancelled events and stops at the horizon", () => {
    const e = new Engine();
    const seen: number[] = [];
    const ev = e.at(5, () => seen.push(5));
    e.at(7, () => seen.push(7));
    e.at(50, () => seen.push(50));
    e.cancel(ev);
    e.run(10);
    expect(seen).toEqual([7]);
    expect(e.eventsFired).toBe(1);
    e.run(60);
    expect(seen).toEqual([7, 50]);
  });

  it("refuses to schedule in the past", () => {
    const e = new Engine();
    e.run(10);
    expect(() => e.at(5, () => {})).toThrow(/past/);
  });

  it("two engines in one process do not share a clock", () => {
    const a = new Engine();
    const b = new Engine();
    a.run(100);
    expect(b.now).toBe(0);
  });
});

describe("Engine.tryAdvance (the fast path)", () => {
  it("advances only when nothing pending fires at or before the time, and counts the step", () => {
    const e = new Engine();
    const seen: string[] = [];
    e.at(10, () => {
      seen.push(`a@${e.now}`);
      expect(e.tryAdvance(15)).toBe(true); // nothing before 20
      seen.push(`a'@${e.now}`);
      expect(e.tryAdvance(20)).toBe(false); // b is due at 20 and was queued first
      expect(e.tryAdvance(200)).toBe(false); // beyond the run's end
    });
    e.at(20, () => seen.push(`b@${e.now}`));
    e.run(100);
    expect(seen).toEqual(["a@10", "a'@15", "b@20"]);
    expect(e.eventsFired).toBe(3);
    expect(e.tryAdvance(150)).toBe(false); // outside run()
  });

  it("takes a cancelled event out of the queue at once", () => {
    const e = new Engine();
    const conn = { name: "a finished connection" };
    const ev = e.schedule(60e9, (c: typeof conn) => c.name, conn);
    const other = e.at(30e9, () => {});
    e.cancel(ev);
    expect(ev.pos).toBe(-1);
    e.cancel(ev); // twice: nothing more happens
    e.cancel(other);
    expect(e.tryAdvance(1)).toBe(false); // outside run(); the queue is empty either way
    e.run(61e9);
    expect(e.eventsFired).toBe(0);
  });

  it("skips cancelled events at the head of the queue", () => {
    const e = new Engine();
    let advanced = false;
    const stale = e.at(12, () => {});
    e.at(10, () => {
      e.cancel(stale);
      advanced = e.tryAdvance(14);
    });
    e.run(100);
    expect(advanced).toBe(true);
  });

  it("is off when the engine is built without it", () => {
    const e = new Engine({ fastPath: false });
    let advanced = true;
    e.at(10, () => (advanced = e.tryAdvance(11)));
    e.run(100);
    expect(advanced).toBe(false);
  });

  it("gives the same trace as queuing every step, for random chains of steps", () => {
    // Each chain takes steps of random length; a step tries the fast path first, as the
    // CPU does for back-to-back tasks. With and without it the trace must be the same.
    const trace = (fastPath: boolean, chains: number[][]): string[] => {
      const e = new Engine({ fastPath });
      const out: string[] = [];
      chains.forEach((steps, c) => {
        const step = (k: number): void => {
          for (; k < steps.length; k++) {
            out.push(`${c}:${k}@${e.now}`);
            const next = e.now + steps[k];
            if (!e.tryAdvance(next)) {
              const kk = k + 1;
              e.at(next, () => step(kk));
              return;
            }
          }
          out.push(`${c}:end@${e.now}`);
        };
        e.at(0, () => step(0));
      });
      e.run(10_000);
      return out;
    };
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 30 }), { minLength: 1, maxLength: 5 }), (chains) => {
        expect(trace(true, chains)).toEqual(trace(false, chains));
      }),
    );
  });
});

describe("Timer", () => {
  it("fires once, at the last deadline it was set to, and not at all once cleared", () => {
    const e = new Engine();
    const fired: number[] = [];
    const t = new Timer(e, () => fired.push(e.now));
    e.at(0, () => t.set(100));
    e.at(50, () => t.set(300)); // pushed later: no new queued event needed
    e.at(60, () => t.set(200)); // pulled earlier
    e.run(1000);
    expect(fired).toEqual([200]);
    const u = new Timer(e, () => fired.push(e.now));
    e.at(1000, () => u.setAfter(10));
    e.at(1005, () => u.clear());
    e.run(2000);
    expect(fired).toEqual([200]);
    expect(u.isSet).toBe(false);
  });

  it("behaves like cancelling and rescheduling an event, for random set/clear sequences", () => {
    type Op = { at: number; set: number | null };
    const firings = (ops: Op[], lazy: boolean): number[] => {
      const e = new Engine();
      const fired: number[] = [];
      const timer = new Timer(e, () => fired.push(e.now));
      let ev: ReturnType<Engine["at"]> | undefined;
      for (const op of ops) {
        e.at(op.at, () => {
          if (lazy) {
            if (op.set === null) timer.clear();
            else timer.set(e.now + op.set);
          } else {
            e.cancel(ev);
            ev = op.set === null ? undefined : e.at(e.now + op.set, () => fired.push(e.now));
          }
        });
      }
      e.run(100_000);
      return fired;
    };
    const op = fc.record({ at: fc.integer({ min: 0, max: 1000 }), set: fc.option(fc.integer({ min: 0, max: 500 })) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40, size: "max" }), (ops) => {
        expect(firings(ops, true)).toEqual(firings(ops, false));
      }),
    );
  });
});

describe("Slot and Channel (events kept outside the heap)", () => {
  // A random program of actions, run once with slots and channels and once with plain
  // heap events standing in for them; the traces must be identical, ties included.
  type Action =
    | { kind: "heap"; delay: number }
    | { kind: "post"; channel: number; gap: number }
    | { kind: "set"; slot: number; delay: number }
    | { kind: "clear"; slot: number };
  const action = fc.oneof(
    fc.record({ kind: fc.constant("heap" as const), delay: fc.integer({ min: 0, max: 30 }) }),
    fc.record({ kind: fc.constant("post" as const), channel: fc.integer({ min: 0, max: 1 }), gap: fc.integer({ min: 0, max: 20 }) }),
    fc.record({ kind: fc.constant("set" as const), slot: fc.integer({ min: 0, max: 1 }), delay: fc.integer({ min: 0, max: 30 }) }),
    fc.record({ kind: fc.constant("clear" as const), slot: fc.integer({ min: 0, max: 1 }) }),
  );

  const trace = (program: Action[], sources: boolean): string[] => {
    const e = new Engine();
    const out: string[] = [];
    let next = 0;
    // Each fired event logs itself and carries out the program's next action.
    const step = (name: string): void => {
      out.push(`${name}@${e.now}`);
      if (next < program.length) act(program[next++]);
    };
    const slots = [0, 1].map((k) => (sources ? e.slot(() => step(`slot${k}`)) : null));
    const slotEvents: Array<ReturnType<Engine["at"]> | undefined> = [undefined, undefined];
    const channels = [0, 1].map(() => (sources ? e.channel() : null));
    const channelLast = [0, 0];
    const act = (a: Action): void => {
      if (a.kind === "heap") e.at(e.now + a.delay, () => step("heap"));
      else if (a.kind === "post") {
        const t = Math.max(e.now, channelLast[a.channel]) + a.gap;
        channelLast[a.channel] = t;
        const ch = channels[a.channel];
        if (ch) ch.post(t, step, `channel${a.channel}`);
        else e.at(t, () => step(`channel${a.channel}`));
      } else if (a.kind === "set") {
        const slot = slots[a.slot];
        if (slot) slot.set(e.now + a.delay);
        else {
          e.cancel(slotEvents[a.slot]);
          slotEvents[a.slot] = e.at(e.now + a.delay, () => {
            slotEvents[a.slot] = undefined;
            step(`slot${a.slot}`);
          });
        }
      } else {
        const slot = slots[a.slot];
        if (slot) slot.clear();
        else e.cancel(slotEvents[a.slot]);
      }
    };
    // Three independent starting points, so several actions are pending at once.
    for (let k = 0; k < 3; k++) e.at(k, () => step("start"));
    e.run(1_000_000);
    return out;
  };

  it("fire in the same global (time, seq) order as heap events, for random programs", () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 60, size: "max" }), (program) => {
        expect(trace(program, true)).toEqual(trace(program, false));
      }),
    );
  });

  it("a channel keeps growing past its initial ring and refuses out-of-order posts", () => {
    const e = new Engine();
    const ch = e.channel();
    const seen: number[] = [];
    for (let i = 0; i < 200; i++) ch.post(10 + i, (k: number) => seen.push(k), i);
    e.run(100);
    for (let i = 200; i < 300; i++) ch.post(10 + i, (k: number) => seen.push(k), i);
    e.run(1000);
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i));
    ch.post(2000, () => {}, 0);
    expect(() => ch.post(1500, () => {}, 0)).toThrow(/out of order/);
  });

  it("tryAdvance does not jump over a slot or channel event", () => {
    const e = new Engine();
    const slot = e.slot(() => {});
    const ch = e.channel();
    const answers: boolean[] = [];
    e.at(0, () => {
      slot.set(10);
      ch.post(20, () => {}, 0);
      answers.push(e.tryAdvance(10)); // the slot's event at 10 was set first
      slot.clear();
      answers.push(e.tryAdvance(15)); // nothing until the channel's 20
      answers.push(e.tryAdvance(25)); // the channel's event at 20 comes first
    });
    e.run(100);
    expect(answers).toEqual([false, true, false]);
  });
});

describe("EventQueue", () => {
  it("pops any insertion order sorted by (time, seq)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300, size: "max" }), (times) => {
        const q = new EventQueue();
        times.forEach((t, seq) => q.push({ time: t, seq, action: () => {}, arg: undefined, pos: -1 }));
        const out: Array<[number, number]> = [];
        for (let ev = q.pop(); ev; ev = q.pop()) out.push([ev.time, ev.seq]);
        const sorted = times.map((t, seq) => [t, seq] as [number, number]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        expect(out).toEqual(sorted);
      }),
    );
  });

  it("pops what was not removed, in (time, seq) order, for random pushes, pops and removals", () => {
    // Pushes outnumber the rest so the heap grows deep enough for a removal to move the
    // last entry up as well as down.
    const op = fc.oneof(
      { arbitrary: fc.record({ push: fc.integer({ min: 0, max: 1000 }) }), weight: 4 },
      { arbitrary: fc.record({ pop: fc.constant(true) }), weight: 1 },
      { arbitrary: fc.record({ remove: fc.nat() }), weight: 2 },
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 100, maxLength: 400 }), (ops) => {
        const q = new EventQueue();
        const model: SimEvent[] = []; // what should be pending, in no order
        const byKey = (x: SimEvent, y: SimEvent) => x.time - y.time || x.seq - y.seq;
        let seq = 0;
        for (const o of ops) {
          if ("push" in o) {
            const ev: SimEvent = { time: o.push, seq: seq++, action: () => {}, arg: undefined, pos: -1 };
            q.push(ev);
            model.push(ev);
          } else if ("pop" in o) {
            const expected = [...model].sort(byKey)[0];
            expect(q.pop()).toBe(expected);
            if (expected) model.splice(model.indexOf(expected), 1);
          } else if (model.length > 0) {
            const victim = model.splice(o.remove % model.length, 1)[0];
            q.remove(victim);
            expect(victim.pos).toBe(-1);
            q.remove(victim); // a second removal is a no-op
          }
          expect(q.size).toBe(model.length);
        }
        const rest: SimEvent[] = [];
        for (let ev = q.pop(); ev; ev = q.pop()) rest.push(ev);
        expect(rest).toEqual(model.sort(byKey));
      }),
    );
  });

  it("moves the last entry up when it fills a hole below a larger parent", () => {
    // Heap [0, 10, 1, 11, 12, 2, 3]: removing 11 (under 10) moves 3 into its place, where
    // it must rise above 10; entries pushed afterwards keep it from being the last again.
    const q = new EventQueue();
    const mk = (time: number, seq: number): SimEvent => ({ time, seq, action: () => {}, arg: undefined, pos: -1 });
    const evs = [0, 10, 1, 11, 12, 2, 3].map(mk);
    evs.forEach((ev) => q.push(ev));
    q.remove(evs[3]);
    [20, 21, 22, 23].forEach((t, k) => q.push(mk(t, 10 + k)));
    const out: number[] = [];
    for (let ev = q.pop(); ev; ev = q.pop()) out.push(ev.time);
    expect(out).toEqual([0, 1, 2, 3, 10, 12, 20, 21, 22, 23]);
  });
});

describe("rngStream", () => {
  it("is reproducible per (seed, run, component) and independent across them", () => {
    const a1 = rngStream(1, 0, "Domain-1");
    const a2 = rngStream(1, 0, "Domain-1");
    const b = rngStream(1, 0, "Domain-2");
    const c = rngStream(1, 1, "Domain-1");
    const xs = [a1(), a1(), a1()];
    expect([a2(), a2(), a2()]).toEqual(xs);
    expect(b()).not.toBe(xs[0]);
    expect(c()).not.toBe(xs[0]);
  });
});
