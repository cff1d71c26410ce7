/** The work-queue consumer group every transcoder process joins. */
export const TRANSCODERS_GROUP = 'transcoders';
