import { describe, expect, it } from 'vitest';
import { KeyedGate } from '../src/adapter.js';

/** A task that records when it starts and finishes, and ends only when released. */
function controlled(log: string[], name: string) {
  let release!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    release = resolve;
    fail = reject;
  });
  const task = async () => {
    log.push(`start ${name}`);
    try {
      await done;
    } finally {
      log.push(`end ${name}`);
    }
    return name;
  };
  return { task, release: () => release(), fail: (error: Error) => fail(error) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('KeyedGate', () => {
  it('runs at most `width` tasks per key and starts the rest in arrival order', async () => {
    const gate = new KeyedGate(2);
    const log: string[] = [];
    const tasks = ['a', 'b', 'c', 'd'].map((name) => controlled(log, name));
    const results = tasks.map((t) => gate.run('event-1', t.task));
    await settle();
    expect(log).toEqual(['start a', 'start b']);
    tasks[1]?.release();
    await settle();
    expect(log).toEqual(['start a', 'start b', 'end b', 'start c']);
    tasks[0]?.release();
    await settle();
    expect(log.slice(4)).toEqual(['end a', 'start d']);
    tasks[2]?.release();
    tasks[3]?.release();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('lets different keys run at the same time', async () => {
    const gate = new KeyedGate(1);
    const log: string[] = [];
    const one = controlled(log, 'one');
    const two = controlled(log, 'two');
    const running = [gate.run('k1', one.task), gate.run('k2', two.task)];
    await settle();
    expect(log).toEqual(['start one', 'start two']);
    one.release();
    two.release();
    await Promise.all(running);
  });

  it('passes the slot on when a task fails, and the failure reaches its caller', async () => {
    const gate = new KeyedGate(1);
    const log: string[] = [];
    const failing = controlled(log, 'failing');
    const next = controlled(log, 'next');
    const first = gate.run('k', failing.task);
    const second = gate.run('k', next.task);
    await settle();
    failing.fail(new Error('boom'));
    await expect(first).rejects.toThrow('boom');
    await settle();
    expect(log).toEqual(['start failing', 'end failing', 'start next']);
    next.release();
    await expect(second).resolves.toBe('next');
  });

  it('lets a waiter whose signal aborts leave the queue without running, and the queue behind it move on', async () => {
    const gate = new KeyedGate(1);
    const log: string[] = [];
    const stuck = controlled(log, 'stuck');
    const impatient = controlled(log, 'impatient');
    const patient = controlled(log, 'patient');
    const deadline = new AbortController();
    const first = gate.run('k', stuck.task);
    const second = gate.run('k', impatient.task, { signal: deadline.signal });
    const third = gate.run('k', patient.task);
    await settle();
    deadline.abort(new Error('deadline passed'));
    await expect(second).rejects.toThrow('deadline passed');
    stuck.release();
    await settle();
    expect(log).toEqual(['start stuck', 'end stuck', 'start patient']);
    patient.release();
    expect(await Promise.all([first, third])).toEqual(['stuck', 'patient']);
  });

  it('rejects at once when the signal has already aborted and the key is busy', async () => {
    const gate = new KeyedGate(1);
    const log: string[] = [];
    const busy = controlled(log, 'busy');
    const running = gate.run('k', busy.task);
    await expect(
      gate.run('k', () => Promise.resolve('late'), { signal: AbortSignal.abort(new Error('expired')) }),
    ).rejects.toThrow('expired');
    busy.release();
    await running;
    // A free key runs the task: the signal only bounds waiting.
    await expect(gate.run('k', () => Promise.resolve('now'), { signal: AbortSignal.abort() })).resolves.toBe('now');
  });

  it('keeps a caller whose place was handed over before its signal aborted', async () => {
    const gate = new KeyedGate(1);
    const log: string[] = [];
    const first = controlled(log, 'first');
    const second = controlled(log, 'second');
    const deadline = new AbortController();
    const running = gate.run('k', first.task);
    const waiting = gate.run('k', second.task, { signal: deadline.signal });
    await settle();
    first.release();
    await settle();
    deadline.abort(new Error('too late to matter'));
    second.release();
    expect(await Promise.all([running, waiting])).toEqual(['first', 'second']);
  });

  it('refuses a width below 1 or not whole', () => {
    expect(() => new KeyedGate(0)).toThrow(RangeError);
    expect(() => new KeyedGate(1.5)).toThrow(RangeError);
  });
});
