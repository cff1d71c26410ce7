/**
 * Ids for everything stored: Snowflake-style, time-ordered, 64-bit, strings in JSON.
 */
export { isSnowflake, SNOWFLAKE_EPOCH_MS, SnowflakeGenerator, snowflakeNode, snowflakeTime, type Snowflake } from './snowflake.ts';
