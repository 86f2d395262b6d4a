-- AlterTable
ALTER TABLE "agent" ADD COLUMN     "retry_budget_ms" INTEGER;

-- AlterTable
ALTER TABLE "channel_inbound_message_dedup" ADD COLUMN     "conversation_seq" BIGINT,
ADD COLUMN     "raw_payload" TEXT;

-- AlterTable
ALTER TABLE "channel_outbound_card_message" ADD COLUMN     "chat_seq" BIGINT;

-- CreateTable
CREATE TABLE "channel_conversation_sequence" (
    "scope" TEXT NOT NULL,
    "installation_id" UUID NOT NULL,
    "conversation_key" TEXT NOT NULL,
    "last_seq" BIGINT NOT NULL,

    CONSTRAINT "channel_conversation_sequence_pkey" PRIMARY KEY ("scope","installation_id","conversation_key")
);

-- Hand-written. Existing rows keep their order: the id is already per-conversation arrival order.
UPDATE "channel_inbound_message_dedup" SET "conversation_seq" = "id" WHERE "conversation_key" IS NOT NULL;
INSERT INTO "channel_conversation_sequence" ("scope", "installation_id", "conversation_key", "last_seq")
  SELECT 'inbox', "installation_id", "conversation_key", max("id")
  FROM "channel_inbound_message_dedup" WHERE "conversation_key" IS NOT NULL
  GROUP BY "installation_id", "conversation_key";
UPDATE "channel_outbound_card_message" o SET "chat_seq" = r.n
  FROM (SELECT "id", row_number() OVER (PARTITION BY "installation_id", "channel_chat_id"
                                        ORDER BY "created_at", "id") AS n
        FROM "channel_outbound_card_message") r
  WHERE o."id" = r."id";
INSERT INTO "channel_conversation_sequence" ("scope", "installation_id", "conversation_key", "last_seq")
  SELECT 'outbound', "installation_id", "channel_chat_id", max("chat_seq")
  FROM "channel_outbound_card_message" GROUP BY "installation_id", "channel_chat_id";

-- A dead letter holds its conversation until an admin retries or discards it, so the rows that
-- decide who is a conversation's head now include failed ones, in sequence order.
DROP INDEX "channel_inbound_message_dedup_open_conversation_idx";
CREATE INDEX "channel_inbound_message_dedup_open_conversation_idx"
    ON "channel_inbound_message_dedup" ("installation_id", "conversation_key", "conversation_seq")
    WHERE "state" IN ('pending', 'processing', 'failed');

DROP INDEX "channel_outbound_card_message_open_chat_idx";
CREATE INDEX "channel_outbound_card_message_open_chat_idx"
    ON "channel_outbound_card_message" ("installation_id", "channel_chat_id", "chat_seq")
    WHERE "status" IN ('pending', 'sending');
