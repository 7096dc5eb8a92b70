import { describe, expect, it } from 'vitest';
import { canRedo, canUndo, initHistory, push, redo, replace, undo } from './history';

describe('history', () => {
  it('undoes and redoes in order', () => {
    let h = initHistory('a');
    h = push(h, 'b');
    h = push(h, 'c');
    h = undo(h);
    expect(h.present).toBe('b');
    h = undo(h);
    expect(h.present).toBe('a');
    expect(canUndo(h)).toBe(false);
    expect(undo(h)).toBe(h);
    h = redo(h);
    h = redo(h);
    expect(h.present).toBe('c');
    expect(canRedo(h)).toBe(false);
    expect(redo(h)).toBe(h);
  });
  it('a new step after undo clears the redo list', () => {
    let h = push(push(initHistory(1), 2), 3);
    h = push(undo(h), 4);
    expect(h.present).toBe(4);
    expect(canRedo(h)).toBe(false);
    expect(undo(h).present).toBe(2);
  });
  it('an unchanged value is no step', () => {
    const o = { x: 1 };
    const h = initHistory(o);
    expect(push(h, o)).toBe(h);
  });
  it('keeps at most limit steps', () => {
    let h = initHistory(0);
    for (let i = 1; i <= 10; i++) h = push(h, i, 3);
    expect(h.past).toEqual([7, 8, 9]);
  });
  it('replace changes the present without a step', () => {
    const h = replace(push(initHistory('a'), 'b'), 'c');
    expect(h.present).toBe('c');
    expect(undo(h).present).toBe('a');
  });
});
