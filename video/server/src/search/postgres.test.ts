import { describe } from 'node:test';
import { dropSchema, PostgresEngine } from '@twin/platform/sql';
import { skipUnlessReachable, testEngines, uniqueTestName } from '@twin/platform/testing';
import { runContract } from './contract.case.ts';

const skip = await skipUnlessReachable('postgres');

describe('postgres tsvector search index contract', { skip }, () => {
  const schema = uniqueTestName('search');
  runContract({
    create: async () => {
      const engine = new PostgresEngine({ connectionString: testEngines.postgres, schema });
      const close = engine.close.bind(engine);
      engine.close = async () => {
        await close();
        await dropSchema(testEngines.postgres, schema);
      };
      return engine;
    },
  });
});
