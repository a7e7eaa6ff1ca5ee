import assert from "node:assert/strict";
import {
  seqAdd,
  seqCmp,
  seqGe,
  seqGt,
  seqInRange,
  seqLe,
  seqLt,
  seqMax,
  seqMin,
  seqSub,
} from "./seq.ts";

Deno.test("seqAdd() wraps past 2^32 and back below 0", () => {
  assert.equal(seqAdd(0xffffffff, 1), 0);
  assert.equal(seqAdd(0xfffffff0, 0x20), 0x10);
  assert.equal(seqAdd(5, -10), 0xfffffffb);
});

Deno.test("seqSub() gives the signed distance across the wrap", () => {
  assert.equal(seqSub(0x10, 0xfffffff0), 0x20);
  assert.equal(seqSub(0xfffffff0, 0x10), -0x20);
  assert.equal(seqSub(7, 7), 0);
});

Deno.test("seqLt() and friends order numbers by the shorter way round", () => {
  const table: [number, number, number][] = [
    [1, 2, -1],
    [0xffffffff, 0, -1],
    [0, 0xffffffff, 1],
    [0x7fffffff, 0, 1],
    [100, 100, 0],
  ];
  for (const [a, b, sign] of table) {
    assert.equal(Math.sign(seqCmp(a, b)), sign, `${a} vs ${b}`);
    assert.equal(seqLt(a, b), sign < 0);
    assert.equal(seqLe(a, b), sign <= 0);
    assert.equal(seqGt(a, b), sign > 0);
    assert.equal(seqGe(a, b), sign >= 0);
  }
});

Deno.test("seqMax() and seqMin() pick across the wrap", () => {
  assert.equal(seqMax(0xfffffff0, 5), 5);
  assert.equal(seqMin(0xfffffff0, 5), 0xfffffff0);
});

Deno.test("seqInRange() is half-open and wraps", () => {
  assert.ok(seqInRange(0xffffffff, 0xfffffffe, 4));
  assert.ok(seqInRange(1, 0xfffffffe, 4));
  assert.ok(!seqInRange(2, 0xfffffffe, 4));
  assert.ok(!seqInRange(0xfffffffd, 0xfffffffe, 4));
  assert.ok(!seqInRange(5, 5, 0));
});
