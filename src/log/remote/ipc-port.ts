// A LogPort over a child process's IPC pipe (child_process.fork with `serialization: 'advanced'`, so
// Buffers and typed arrays arrive as such). One pipe carries several named channels (the log RPC,
// the control messages), each message wrapped as `{ ch, m }`. Memory cannot move between processes:
// a transfer list is ignored and the bytes are copied through the pipe.
import type { LogPort } from './log-port.ts'

/** The IPC end a channel runs over: `process` in the child, the ChildProcess in the parent. */
export interface IpcEnd {
  send?(message: unknown, callback: (err: Error | null) => void): boolean
  readonly connected?: boolean
  on(event: 'message', listener: (message: unknown) => void): unknown
  off(event: 'message', listener: (message: unknown) => void): unknown
}

interface Wrapped {
  readonly ch: string
  readonly m: unknown
}

function isWrapped(x: unknown): x is Wrapped {
  return typeof x === 'object' && x !== null && typeof (x as Wrapped).ch === 'string' && 'm' in x
}

/**
 * Channel `ch` of the IPC pipe of `end`. A message sent after the pipe closed is dropped: the other
 * side is gone, and whoever waits for its answer learns it from the pipe's 'disconnect'.
 */
export function ipcPort(end: IpcEnd, ch: string): LogPort {
  const listeners: ((m: unknown) => void)[] = []
  const onMessage = (raw: unknown) => {
    if (!isWrapped(raw) || raw.ch !== ch) return
    for (const l of listeners) l(raw.m)
  }
  end.on('message', onMessage)
  return {
    postMessage(message) {
      if (!end.connected || !end.send) return
      // The callback keeps a send racing the pipe's close from becoming an 'error' event.
      end.send({ ch, m: message } satisfies Wrapped, () => {})
    },
    on(_event, listener) {
      listeners.push(listener)
    },
    close() {
      listeners.length = 0
      end.off('message', onMessage)
    },
  }
}
