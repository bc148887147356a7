// What the log RPC needs from its channel: a MessagePort between threads, or one named channel of a
// child process's IPC pipe (ipc-port.ts). Both sides only post messages and listen for them.

/** A two-way message channel the log RPC runs over. */
export interface LogPort {
  /**
   * Sends `message`; `transfer` lists memory the receiver may take over instead of a copy (a
   * MessagePort moves it; an IPC pipe copies anyway and ignores the list).
   */
  postMessage(message: unknown, transfer?: readonly ArrayBuffer[]): void
  // biome-ignore lint/suspicious/noExplicitAny: messages are typed by the RPC on each side
  on(event: 'message', listener: (message: any) => void): unknown
  /** Stops delivering messages to this side's listeners. */
  close(): void
}
