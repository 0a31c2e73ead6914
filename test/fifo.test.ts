import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Fifo } from "../src/sim/fifo.js";

describe("Fifo", () => {
  it("keeps order when it grows while wrapped round its ring", () => {
    const q = new Fifo<number>();
    // Push 6 and take 5, so the head sits near the end of the 8-slot ring; then 12 more
    // wrap round it and make it double twice.
    for (let k = 0; k < 6; k++) q.push(k);
    for (let k = 0; k < 5; k++) expect(q.shift()).toBe(k);
    for (let k = 6; k < 18; k++) expect(q.push(k)).toBe(k - 4);
    expect(q.peek()).toBe(5);
    const rest: number[] = [];
    while (q.length > 0) rest.push(q.shift()!);
    expect(rest).toEqual(Array.from({ length: 13 }, (_, k) => k + 5));
    expect(q.shift()).toBeUndefined();
    expect(q.peek()).toBeUndefined();
  });

  it("behaves as an array used as a queue, for any sequence of pushes and shifts", () => {
    fc.assert(
      fc.property(// Pushes outnumber shifts, so the queue grows past its ring while wrapped.
      fc.array(fc.oneof({ arbitrary: fc.integer({ min: 0, max: 1000 }), weight: 3 }, { arbitrary: fc.constant(-1), weight: 2 }), { minLength: 100, maxLength: 400 }), (ops) => {
        const q = new Fifo<number>();
        const model: number[] = [];
        for (const op of ops) {
          if (op < 0) expect(q.shift()).toBe(model.shift());
          else expect(q.push(op)).toBe(model.push(op));
          expect(q.length).toBe(model.length);
          expect(q.peek()).toBe(model[0]);
        }
      }),
    );
  });
});
