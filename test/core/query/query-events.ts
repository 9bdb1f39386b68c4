import type { CallContext } from '../../../electron/core/call-context.ts';

/** A call context that keeps every event, with its controller for cancel tests. */
export function recordingCall<E>(caller = 'test'): { call: CallContext<E>; events: E[]; controller: AbortController } {
  const controller = new AbortController();
  const events: E[] = [];
  return { call: { signal: controller.signal, emit: (e) => events.push(e), caller }, events, controller };
}
