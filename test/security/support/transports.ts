import { request } from 'node:http';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { createDispatcher, type Dispatch } from '../../../electron/core/dispatch/dispatcher.ts';
import { createHandlers } from '../../../electron/core/dispatch/handlers.ts';
import { startHttpBridge, type HttpBridge } from '../../../electron/core/http/http-bridge.ts';
import { cliMain } from '../../../electron/cli/cli-main.ts';
import { fakeIpcMain, fakeWindow } from '../../support/fake-ipc-main.ts';
import { registerIpcGateway } from '../../../electron/shell/ipc-gateway.ts';
import type { ErrorInfo } from '../../../shared/errors.ts';

/*
 * The three ways into the console, driven as their callers drive them: the IPC gateway with the real
 * dispatcher behind a stand-in ipcMain, the HTTP bridge over a real socket, and the CLI's own entry
 * point (in this process, with its output captured), all on the same open console.
 */

export const APP_URL = 'file:///opt/shard-console/dist/renderer/index.html';

export type Envelope = { ok: true; result: unknown } | { ok: false; error: ErrorInfo };

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, unknown>;
}

export interface CliAnswer {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Transports {
  readonly bridge: HttpBridge;
  ipc(method: unknown, params: unknown, sender?: { url: string; parent: unknown } | null): Promise<Envelope>;
  rpc(method: string, params: unknown): Promise<HttpAnswer>;
  http(path: string, init?: { method?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<HttpAnswer>;
  cli(args: readonly string[]): Promise<CliAnswer>;
  close(): Promise<void>;
}

export async function openTransports(ctx: ConsoleContext): Promise<Transports> {
  const dispatch: Dispatch = createDispatcher(createHandlers(ctx), { validateResults: true, readOnly: () => ctx.profile.readOnly });
  const fake = fakeIpcMain();
  const window = fakeWindow();
  registerIpcGateway(fake.ipcMain, dispatch, () => APP_URL);
  const bridge = await startHttpBridge({ dispatch });

  const http: Transports['http'] = (path, init = {}) =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: bridge.port, path, method: init.method ?? 'GET', headers: { host: `127.0.0.1:${bridge.port}`, ...init.headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', reject);
      req.end(init.body);
    });

  return {
    bridge,
    ipc: async (method, params, sender = { url: APP_URL, parent: null }) =>
      fake.handlers.get('shard-console:invoke')!({ senderFrame: sender, sender: window }, method, params) as Promise<Envelope>,
    rpc: (method, params) =>
      http(`/rpc/${encodeURIComponent(method)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bridge.token}` },
        body: JSON.stringify(params),
      }),
    http,
    async cli(args) {
      let stdout = '';
      let stderr = '';
      const code = await cliMain(args, { out: (text) => void (stdout += `${text}\n`), err: (text) => void (stderr += `${text}\n`) });
      return { code, stdout, stderr };
    },
    close: () => bridge.close(),
  };
}

const INSTRUCTION =
  /(?:^|[.:;!?(]\s*)(run|use|give|pick|write|open|put|set|check|pass|send|call|correct|create|add|remove|list|find|fix|search|leave|bring|retry|resume|roll back|start|save|grant|keep|read|replace|follow|usage|say which|name|point|widen|let)\b/i;
const ACCEPTED_VALUES = /\b(Configured|configured|one of|takes)\b/;
/** A page of the console or a command that holds the answer. */
const WHERE_TO_LOOK = /\b[A-Z][a-z]+ page\b|`?shard-console [a-z]/;

/** A message that tells the reader what to do: an instruction opening a sentence or clause, the values that would be accepted, or where to look. */
export const SAYS_WHAT_TO_DO = { test: (message: string) => INSTRUCTION.test(message) || ACCEPTED_VALUES.test(message) || WHERE_TO_LOOK.test(message) };
