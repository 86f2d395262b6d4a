-- AlterTable
ALTER TABLE "channel_inbound_message_dedup" ADD COLUMN     "delivery_id" UUID NOT NULL DEFAULT gen_random_uuid(),
ADD COLUMN     "last_error" TEXT;

-- AlterTable
ALTER TABLE "channel_outbound_card_message" ADD COLUMN     "claim_token" TEXT,
ADD COLUMN     "claimed_at" TIMESTAMPTZ(3),
ADD COLUMN     "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "payload" JSONB,
ADD COLUMN     "sent_at" TIMESTAMPTZ(3),
ADD COLUMN     "update_of_id" UUID;

-- CreateIndex
CREATE UNIQUE INDEX "channel_inbound_message_dedup_delivery_id_key" ON "channel_inbound_message_dedup"("delivery_id");

-- CreateIndex
CREATE INDEX "channel_outbound_card_message_status_next_attempt_at_idx" ON "channel_outbound_card_message"("status", "next_attempt_at");

-- Hand-written (schema.prisma cannot express partial indexes): the workers take only the oldest
-- unfinished row of each conversation, which they find through these.
CREATE INDEX "channel_inbound_message_dedup_open_conversation_idx"
    ON "channel_inbound_message_dedup" ("installation_id", "conversation_key", "id")
    WHERE "state" IN ('pending', 'processing');

CREATE INDEX "channel_outbound_card_message_open_chat_idx"
    ON "channel_outbound_card_message" ("installation_id", "channel_chat_id", "created_at")
    WHERE "status" IN ('pending', 'sending');
