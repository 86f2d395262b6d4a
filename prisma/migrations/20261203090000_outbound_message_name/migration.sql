-- The table holds every message sent to a platform, not only cards: it is named for what it holds.
ALTER TABLE "channel_outbound_card_message" RENAME TO "channel_outbound_message";
ALTER TABLE "channel_outbound_message" RENAME CONSTRAINT "channel_outbound_card_message_pkey" TO "channel_outbound_message_pkey";
ALTER INDEX "channel_outbound_card_message_open_chat_idx" RENAME TO "channel_outbound_message_open_chat_idx";
ALTER INDEX "channel_outbound_card_message_status_next_attempt_at_idx" RENAME TO "channel_outbound_message_status_next_attempt_at_idx";
ALTER INDEX "channel_outbound_card_message_installation_id_platform_mess_idx" RENAME TO "channel_outbound_message_installation_id_platform_message_i_idx";
ALTER INDEX "channel_outbound_card_message_installation_id_idempotency_k_key" RENAME TO "channel_outbound_message_installation_id_idempotency_key_key";
