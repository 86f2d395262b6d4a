-- AlterTable
ALTER TABLE "agent" ADD COLUMN     "event_types" TEXT[] DEFAULT ARRAY['message']::TEXT[];

-- AlterTable
ALTER TABLE "channel_outbound_card_message" ADD COLUMN     "delivery_error_code" TEXT,
ADD COLUMN     "delivery_state" TEXT,
ADD COLUMN     "delivery_state_at" TIMESTAMPTZ(3);
