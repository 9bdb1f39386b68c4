import type { restoreMethods } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { HandlersFor } from '../dispatch/handlers.ts';

const notYet = async (): Promise<never> => {
  throw new ConsoleError('INTERNAL', 'Restoring a website is being built: this method is in the contract, not yet in the engine.');
};

export function restoreHandlers(_ctx: ConsoleContext): HandlersFor<keyof typeof restoreMethods> {
  return {
    'restores.preflight': notYet,
    'restores.start': notYet,
    'restores.list': async () => ({ jobs: [] }),
    'restores.get': notYet,
    'restores.resume': notYet,
    'restores.rollback': notYet,
    'restores.discard': notYet,
    'restores.dropSchema': notYet,
  };
}
