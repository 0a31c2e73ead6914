import { describe, expect, it } from "vitest";
import { Engine } from "../src/sim/engine.js";
import { EventQueue } from "../src/sim/event-queue.js";
import { rngStream } from "../src/sim/rng.js";
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

describe("EventQueue", () => {
  it("pops any insertion order sorted by (time, seq)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), (times) => {
        const q = new EventQueue();
        times.forEach((t, seq) => q.push({ time: t, seq, action: () => {}, cancelled: false }));
        const out: Array<[number, number]> = [];
        for (let ev = q.pop(); ev; ev = q.pop()) out.push([ev.time, ev.seq]);
        const sorted = times.map((t, seq) => [t, seq] as [number, number]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        expect(out).toEqual(sorted);
      }),
    );
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
