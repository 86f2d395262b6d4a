-- Hand-written (schema.prisma cannot express partial indexes): the workers' claim walks only the
-- unfinished rows in id order, however many finished rows the dedup window keeps.
CREATE INDEX "channel_inbound_message_dedup_open_idx"
    ON "channel_inbound_message_dedup" ("id")
    WHERE "state" IN ('pending', 'processing');
