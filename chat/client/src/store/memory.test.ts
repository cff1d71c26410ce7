import { runContract } from './contract.case.ts';
import { MemoryChatStore } from './memory.ts';

runContract({ create: async () => new MemoryChatStore() });
