import assert from 'node:assert/strict';
import { it } from 'node:test';
import { exactMatch, parseOptionLetter, parsePopeAnswer, popeMetrics } from '../../src/eval/metrics.js';

it('parses yes/no answers as POPE does', () => {
  assert.equal(parsePopeAnswer('Yes, there is a red circle.'), 'yes');
  assert.equal(parsePopeAnswer('No'), 'no');
  assert.equal(parsePopeAnswer('There is not a cross.'), 'no');
  assert.equal(parsePopeAnswer('yes. no'), 'yes'); // only the first sentence counts
  assert.equal(parsePopeAnswer('No, it is not.'), 'no');
  assert.equal(parsePopeAnswer('Nope'), 'yes'); // POPE's parser only knows the words no/No/not
});

it('computes POPE accuracy, precision, recall, F1 and yes-ratio', () => {
  const m = popeMetrics([
    { predicted: 'yes', truth: 'yes' }, { predicted: 'yes', truth: 'no' },
    { predicted: 'no', truth: 'no' }, { predicted: 'no', truth: 'yes' }, { predicted: 'yes', truth: 'yes' },
  ]);
  assert.equal(m.accuracy, 3 / 5);
  assert.equal(m.precision, 2 / 3);
  assert.equal(m.recall, 2 / 3);
  assert.ok(Math.abs(m.f1 - 2 / 3) < 1e-12);
  assert.equal(m.yesRatio, 3 / 5);
  assert.equal(popeMetrics([]).f1, 0);
});

it('reads multiple-choice letters and exact-matches open answers', () => {
  assert.equal(parseOptionLetter('(B) a red square'), 'B');
  assert.equal(parseOptionLetter('c.'), 'C');
  assert.equal(parseOptionLetter('Blue'), null);
  assert.ok(exactMatch('The Red.', 'red'));
  assert.ok(!exactMatch('red circle', 'red'));
  assert.ok(exactMatch(' up-left ', 'up-left'));
});
