import type { doctorMethods } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { HandlersFor } from '../dispatch/handlers.ts';
import { runDoctor } from './run-doctor.ts';

export function doctorHandlers(ctx: ConsoleContext): HandlersFor<keyof typeof doctorMethods> {
  return {
    'doctor.run': async () => runDoctor(ctx),
  };
}
