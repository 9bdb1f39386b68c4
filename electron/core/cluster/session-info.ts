import type { SessionInfo } from '../../../shared/contract.ts';
import { CONSOLE_VERSION, type ConsoleContext } from '../console-context.ts';

/** What `session.info` says of a console (or of none yet: the start screen), and whether typed passwords can be kept. */
export function consoleSessionInfo(ctx: ConsoleContext | null, secretStorage: SessionInfo['secretStorage'], openId: string | null = null): SessionInfo {
  if (ctx === null) return { profile: null, profileSource: null, version: CONSOLE_VERSION, readOnly: false, secretStorage, queryRole: null, openId: null };
  return {
    profile: ctx.profile.name,
    profileSource: ctx.profile.source,
    version: ctx.version,
    readOnly: ctx.profile.readOnly,
    secretStorage,
    queryRole: ctx.profile.queryRole?.user ?? null,
    openId,
  };
}
