import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeReport, historyOk, WatchHistory, type AckedWrite } from './watch-history.js';

const put = (key: string, rv: number): AckedWrite => ({ key, rv, type: 'put' });

describe('WatchHistory', () => {
  it('passes a clean history: list, events, a reopen, a bookmark', () => {
    const h = new WatchHistory();
    h.relist([{ key: 'a', rv: 2 }], 3);
    h.event({ type: 'MODIFIED', key: 'a', rv: 4 });
    h.event({ type: 'ADDED', key: 'b', rv: 5 });
    h.reopened();
    assert.equal(h.resumeFrom, 5);
    h.bookmark(7);
    h.event({ type: 'DELETED', key: 'a', rv: 8 });
    const r = h.check(
      [put('a', 2), put('a', 4), put('b', 5), { key: 'a', rv: 8, type: 'delete' }],
      [{ key: 'b', rv: 5 }],
    );
    assert.ok(historyOk(r), describeReport(r));
    assert.deepEqual([r.events, r.relists, r.reopens, r.bookmarks, r.coveredByRelist], [3, 1, 1, 1, 1]);
  });

  it('finds a lost acknowledged write (a gap after a reopen) and the state it leaves wrong', () => {
    const h = new WatchHistory();
    h.relist([], 1);
    h.event({ type: 'ADDED', key: 'a', rv: 2 });
    h.reopened();
    h.event({ type: 'MODIFIED', key: 'b', rv: 4 });
    const r = h.check(
      [put('a', 2), put('a', 3), put('b', 4)],
      [
        { key: 'a', rv: 3 },
        { key: 'b', rv: 4 },
      ],
    );
    assert.deepEqual(r.lost, [put('a', 3)]);
    assert.deepEqual(r.stateDiff, ['a at 2, the list has 3']);
    assert.ok(!historyOk(r));
  });

  it('counts writes in a gap closed by a relist (after a 410) as covered, not lost', () => {
    const h = new WatchHistory();
    h.relist([], 1);
    h.event({ type: 'ADDED', key: 'a', rv: 2 });
    h.relist(
      [
        { key: 'a', rv: 5 },
        { key: 'c', rv: 4 },
      ],
      6,
    );
    h.event({ type: 'MODIFIED', key: 'c', rv: 7 });
    const r = h.check(
      [put('a', 2), put('a', 3), put('c', 4), put('a', 5), put('c', 7)],
      [
        { key: 'a', rv: 5 },
        { key: 'c', rv: 7 },
      ],
    );
    assert.ok(historyOk(r), describeReport(r));
    assert.equal(r.coveredByRelist, 3);
  });

  it('a relist drops objects it no longer lists', () => {
    const h = new WatchHistory();
    h.relist(
      [
        { key: 'a', rv: 1 },
        { key: 'b', rv: 2 },
      ],
      2,
    );
    h.relist([{ key: 'b', rv: 2 }], 9);
    assert.ok(!h.has('a'));
    assert.ok(historyOk(h.check([], [{ key: 'b', rv: 2 }])));
  });

  it('finds duplicates: the same event twice, or an event repeating what a relist showed', () => {
    const h = new WatchHistory();
    h.relist([{ key: 'a', rv: 3 }], 3);
    h.event({ type: 'MODIFIED', key: 'a', rv: 3 });
    h.event({ type: 'ADDED', key: 'b', rv: 4 });
    h.reopened();
    h.event({ type: 'ADDED', key: 'b', rv: 4 });
    const r = h.check(
      [put('a', 3), put('b', 4)],
      [
        { key: 'a', rv: 3 },
        { key: 'b', rv: 4 },
      ],
    );
    assert.deepEqual(
      r.duplicates.map((e) => `${e.key}@${e.rv}`),
      ['a@3', 'b@4'],
    );
    assert.ok(!historyOk(r));
  });

  it('finds events going back: per key, and behind the stream’s revision', () => {
    const h = new WatchHistory();
    h.relist([], 1);
    h.event({ type: 'ADDED', key: 'a', rv: 5 });
    h.event({ type: 'MODIFIED', key: 'a', rv: 4 });
    h.event({ type: 'ADDED', key: 'b', rv: 3 });
    h.bookmark(2);
    const r = h.check(
      [],
      [
        { key: 'a', rv: 5 },
        { key: 'b', rv: 3 },
      ],
    );
    assert.equal(r.outOfOrder.length, 3, r.outOfOrder.join('\n'));
    assert.match(r.outOfOrder[0]!, /^a: MODIFIED at 4 after 5$/);
    assert.match(r.outOfOrder[1]!, /^b: ADDED at 3 after the stream reached 5$/);
    assert.match(r.outOfOrder[2]!, /^bookmark at 2 after 5$/);
  });

  it('finds state differences against the final list: missing, stale and extra objects', () => {
    const h = new WatchHistory();
    h.relist([], 1);
    h.event({ type: 'ADDED', key: 'a', rv: 2 });
    h.event({ type: 'ADDED', key: 'x', rv: 3 });
    const r = h.check(
      [],
      [
        { key: 'a', rv: 4 },
        { key: 'b', rv: 2 },
      ],
    );
    assert.deepEqual(r.stateDiff.sort(), ['a at 2, the list has 4', 'b@2 missing', 'x@3 is gone from the list']);
  });

  it('a write that was never acknowledged but delivered (a timed-out write that landed) is fine', () => {
    const h = new WatchHistory();
    h.relist([], 1);
    h.event({ type: 'ADDED', key: 'a', rv: 2 });
    assert.ok(historyOk(h.check([], [{ key: 'a', rv: 2 }])));
  });
});
