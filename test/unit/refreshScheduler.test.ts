import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FIGURES_REFRESH_MS, QUIET_AFTER_STATE_MS, RefreshScheduler, TICKER_REFRESH_MS, type SchedulerClock } from '../../src/views/refreshScheduler';

/** A clock whose timers run only when the test advances it. */
class FakeClock implements SchedulerClock {
  t = 0;
  private timers = new Map<number, { at: number; run: () => void }>();
  private next = 1;
  now(): number {
    return this.t;
  }
  setTimeout(run: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.t + ms, run });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Moves time on to `to`, running each timer due on the way at its own time. */
  advanceTo(to: number): void {
    for (;;) {
      const due = [...this.timers.entries()].filter(([, x]) => x.at <= to).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].run();
    }
    this.t = to;
  }
  get waiting(): number {
    return this.timers.size;
  }
}

function setup() {
  const clock = new FakeClock();
  const fired: number[] = [];
  const s = new RefreshScheduler(() => fired.push(clock.t), { clock });
  return { clock, fired, s };
}

test('a state change refreshes at once, however often', () => {
  const { clock, fired, s } = setup();
  s.state();
  clock.advanceTo(10);
  s.state();
  s.state();
  assert.deepEqual(fired, [0, 10, 10]);
});

test('the first figures show at once; later ones at most once per period, with the latest numbers', () => {
  const { clock, fired, s } = setup();
  clock.advanceTo(100);
  s.cosmetic(FIGURES_REFRESH_MS);
  assert.deepEqual(fired, [100], 'nothing to wait for: at once');
  // The collector reports once a second: those refreshes fold into one per period.
  for (let t = 1_100; t <= 20_100; t += 1_000) {
    clock.advanceTo(t);
    s.cosmetic(FIGURES_REFRESH_MS);
  }
  clock.advanceTo(30_000);
  // The report at 20,100 came just after that refresh, so it gets one more.
  assert.deepEqual(fired, [100, 5_100, 10_100, 15_100, 20_100, 25_100]);
});

test('no cosmetic refresh within the quiet time after a state change; it comes right after it', () => {
  const { clock, fired, s } = setup();
  clock.advanceTo(10_000);
  s.state();
  clock.advanceTo(10_300);
  s.cosmetic(FIGURES_REFRESH_MS);
  assert.deepEqual(fired, [10_000], 'held');
  clock.advanceTo(10_000 + QUIET_AFTER_STATE_MS - 1);
  assert.deepEqual(fired, [10_000]);
  clock.advanceTo(20_000);
  assert.deepEqual(fired, [10_000, 10_000 + QUIET_AFTER_STATE_MS]);
});

test('a state change pushes a pending cosmetic refresh out of its way, and that one still comes', () => {
  const { clock, fired, s } = setup();
  s.cosmetic(FIGURES_REFRESH_MS);
  clock.advanceTo(1_000);
  s.cosmetic(FIGURES_REFRESH_MS); // due at 5,000
  clock.advanceTo(4_800);
  s.state(); // would have been 200 ms before the cosmetic one
  clock.advanceTo(5_000);
  assert.deepEqual(fired, [0, 4_800], 'not at 5,000: that is inside the quiet time');
  clock.advanceTo(9_000);
  assert.deepEqual(fired, [0, 4_800, 4_800 + QUIET_AFTER_STATE_MS]);
});

test('the loading ticker ticks once a second while nothing else happens', () => {
  const { clock, fired, s } = setup();
  for (let t = 1_000; t <= 5_000; t += 1_000) {
    clock.advanceTo(t);
    s.cosmetic(TICKER_REFRESH_MS);
  }
  assert.deepEqual(fired, [1_000, 2_000, 3_000, 4_000, 5_000]);
});

test('after dispose nothing fires and no timer is left', () => {
  const { clock, fired, s } = setup();
  s.cosmetic(FIGURES_REFRESH_MS);
  s.cosmetic(FIGURES_REFRESH_MS);
  s.state();
  assert.equal(clock.waiting, 1, 'one cosmetic refresh pending');
  s.dispose();
  assert.equal(clock.waiting, 0);
  s.state();
  s.cosmetic(TICKER_REFRESH_MS);
  clock.advanceTo(60_000);
  assert.deepEqual(fired, [0, 0]);
});

test('any mix of requests: every state change fires at once, cosmetic refreshes keep their distances, and the last request is served', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ gap: fc.integer({ min: 0, max: 3_000 }), kind: fc.constantFrom('state', 'figures', 'ticker') }), { maxLength: 60 }),
      (requests) => {
        const clock = new FakeClock();
        const fired: { at: number; kind: 'state' | 'cosmetic' }[] = [];
        let kind: 'state' | 'cosmetic' = 'cosmetic';
        const s = new RefreshScheduler(() => fired.push({ at: clock.t, kind }), { clock });
        const states: number[] = [];
        let lastCosmeticRequest: number | undefined;
        for (const r of requests) {
          clock.advanceTo(clock.t + r.gap);
          if (r.kind === 'state') {
            kind = 'state';
            s.state();
            kind = 'cosmetic';
            states.push(clock.t);
          } else {
            s.cosmetic(r.kind === 'figures' ? FIGURES_REFRESH_MS : TICKER_REFRESH_MS);
            lastCosmeticRequest = clock.t;
          }
        }
        clock.advanceTo(clock.t + 60_000);
        assert.deepEqual(fired.filter((f) => f.kind === 'state').map((f) => f.at), states, 'each state change at its own time');
        const cosmetic = fired.filter((f) => f.kind === 'cosmetic').map((f) => f.at);
        for (let i = 1; i < cosmetic.length; i++) assert.ok(cosmetic[i] - cosmetic[i - 1] >= TICKER_REFRESH_MS, `cosmetic refreshes ${cosmetic[i - 1]} and ${cosmetic[i]} too close`);
        let lastState = -Infinity;
        for (const f of fired) {
          if (f.kind === 'state') lastState = f.at;
          else assert.ok(f.at - lastState >= QUIET_AFTER_STATE_MS, `cosmetic refresh at ${f.at} within the quiet time of the state change at ${lastState}`);
        }
        if (lastCosmeticRequest !== undefined) {
          assert.ok(fired.some((f) => f.at >= lastCosmeticRequest!), 'the last request was served by a refresh at or after it');
        }
        assert.equal(clock.waiting, 0, 'nothing left pending');
      },
    ),
  );
});
