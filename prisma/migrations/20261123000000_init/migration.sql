-- CreateEnum
CREATE TYPE "member_role" AS ENUM ('owner', 'admin', 'member');

-- CreateEnum
CREATE TYPE "record_status" AS ENUM ('active', 'deactivated');

-- CreateEnum
CREATE TYPE "installation_status" AS ENUM ('active', 'revoked');

-- CreateEnum
CREATE TYPE "inbox_state" AS ENUM ('pending', 'processing', 'done', 'failed');

-- CreateTable
CREATE TABLE "workspace" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workspace_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "user" (
    "id" UUID NOT NULL,
    "username" TEXT NOT NULL,
    "email" TEXT,
    "display_name" TEXT,
    "password_hash" TEXT,
    "status" "record_status" NOT NULL DEFAULT 'active',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "workspace_member" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role" "member_role" NOT NULL DEFAULT 'member',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workspace_member_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "delivery_url" TEXT NOT NULL,
    "delivery_secret_sealed" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "channel_installation" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "channel_type" TEXT NOT NULL,
    "config" JSONB NOT NULL DEFAULT '{}',
    "secrets_sealed" TEXT,
    "status" "installation_status" NOT NULL DEFAULT 'active',
    "installed_by_user_id" UUID,
    "lease_owner" TEXT,
    "lease_expires_at" TIMESTAMPTZ(3),
    "lease_generation" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "channel_installation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "channel_user_binding" (
    "id" UUID NOT NULL,
    "installation_id" UUID NOT NULL,
    "channel_type" TEXT NOT NULL,
    "channel_user_id" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "config" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_user_binding_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "channel_chat_session_binding" (
    "id" UUID NOT NULL,
    "installation_id" UUID NOT NULL,
    "channel_type" TEXT NOT NULL,
    "channel_chat_id" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_chat_session_binding_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "channel_inbound_message_dedup" (
    "id" BIGSERIAL NOT NULL,
    "installation_id" UUID NOT NULL,
    "channel_type" TEXT NOT NULL,
    "platform_event_id" TEXT NOT NULL,
    "conversation_key" TEXT,
    "payload" JSONB,
    "state" "inbox_state" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "claim_token" TEXT,
    "claimed_at" TIMESTAMPTZ(3),
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "channel_inbound_message_dedup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "channel_inbound_audit" (
    "id" BIGSERIAL NOT NULL,
    "installation_id" UUID,
    "workspace_id" UUID,
    "channel_type" TEXT,
    "platform_event_id" TEXT,
    "reason" TEXT NOT NULL,
    "channel_user_id" TEXT,
    "user_id" UUID,
    "detail" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_inbound_audit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "channel_outbound_card_message" (
    "id" UUID NOT NULL,
    "installation_id" UUID NOT NULL,
    "channel_type" TEXT NOT NULL,
    "channel_chat_id" TEXT NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "platform_message_id" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "last_error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_outbound_card_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "channel_binding_token" (
    "id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "installation_id" UUID NOT NULL,
    "channel_type" TEXT NOT NULL,
    "channel_user_id" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "consumed_at" TIMESTAMPTZ(3),
    "consumed_by_user_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_binding_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "namespace" TEXT NOT NULL,
    "identifier" TEXT NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'admin',
    "status" "record_status" NOT NULL DEFAULT 'active',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "identity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "account_provisioning" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "installation_id" UUID,
    "channel_type" TEXT NOT NULL,
    "external_id" TEXT,
    "state" TEXT NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_provisioning_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_token" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "workspace_id" UUID,
    "name" TEXT NOT NULL DEFAULT 'default',
    "token_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_token_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "workspace_slug_key" ON "workspace"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "user_username_key" ON "user"("username");

-- CreateIndex
CREATE INDEX "workspace_member_user_id_idx" ON "workspace_member"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "workspace_member_workspace_id_user_id_key" ON "workspace_member"("workspace_id", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "agent_workspace_id_name_key" ON "agent"("workspace_id", "name");

-- CreateIndex
CREATE INDEX "channel_installation_channel_type_status_idx" ON "channel_installation"("channel_type", "status");

-- CreateIndex
CREATE UNIQUE INDEX "channel_installation_workspace_id_agent_id_channel_type_key" ON "channel_installation"("workspace_id", "agent_id", "channel_type");

-- CreateIndex
CREATE INDEX "channel_user_binding_user_id_idx" ON "channel_user_binding"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "channel_user_binding_installation_id_channel_user_id_key" ON "channel_user_binding"("installation_id", "channel_user_id");

-- CreateIndex
CREATE INDEX "channel_chat_session_binding_session_id_idx" ON "channel_chat_session_binding"("session_id");

-- CreateIndex
CREATE UNIQUE INDEX "channel_chat_session_binding_installation_id_channel_chat_i_key" ON "channel_chat_session_binding"("installation_id", "channel_chat_id");

-- CreateIndex
CREATE INDEX "channel_inbound_message_dedup_state_next_attempt_at_idx" ON "channel_inbound_message_dedup"("state", "next_attempt_at");

-- CreateIndex
CREATE INDEX "channel_inbound_message_dedup_first_seen_at_idx" ON "channel_inbound_message_dedup"("first_seen_at");

-- CreateIndex
CREATE UNIQUE INDEX "channel_inbound_message_dedup_installation_id_platform_even_key" ON "channel_inbound_message_dedup"("installation_id", "platform_event_id");

-- CreateIndex
CREATE INDEX "channel_inbound_audit_workspace_id_created_at_idx" ON "channel_inbound_audit"("workspace_id", "created_at");

-- CreateIndex
CREATE INDEX "channel_inbound_audit_installation_id_created_at_idx" ON "channel_inbound_audit"("installation_id", "created_at");

-- CreateIndex
CREATE INDEX "channel_inbound_audit_created_at_idx" ON "channel_inbound_audit"("created_at");

-- CreateIndex
CREATE INDEX "channel_outbound_card_message_installation_id_platform_mess_idx" ON "channel_outbound_card_message"("installation_id", "platform_message_id");

-- CreateIndex
CREATE UNIQUE INDEX "channel_outbound_card_message_installation_id_idempotency_k_key" ON "channel_outbound_card_message"("installation_id", "idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "channel_binding_token_token_hash_key" ON "channel_binding_token"("token_hash");

-- CreateIndex
CREATE INDEX "channel_binding_token_installation_id_channel_user_id_creat_idx" ON "channel_binding_token"("installation_id", "channel_user_id", "created_at");

-- CreateIndex
CREATE INDEX "channel_binding_token_expires_at_idx" ON "channel_binding_token"("expires_at");

-- CreateIndex
CREATE INDEX "identity_user_id_idx" ON "identity"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "identity_namespace_identifier_key" ON "identity"("namespace", "identifier");

-- CreateIndex
CREATE INDEX "account_provisioning_workspace_id_user_id_idx" ON "account_provisioning"("workspace_id", "user_id");

-- CreateIndex
CREATE INDEX "account_provisioning_channel_type_external_id_idx" ON "account_provisioning"("channel_type", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_token_token_hash_key" ON "api_token"("token_hash");

-- CreateIndex
CREATE INDEX "api_token_user_id_idx" ON "api_token"("user_id");

-- AddForeignKey
ALTER TABLE "workspace_member" ADD CONSTRAINT "workspace_member_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "workspace_member" ADD CONSTRAINT "workspace_member_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent" ADD CONSTRAINT "agent_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "channel_installation" ADD CONSTRAINT "channel_installation_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "channel_installation" ADD CONSTRAINT "channel_installation_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity" ADD CONSTRAINT "identity_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_token" ADD CONSTRAINT "api_token_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_token" ADD CONSTRAINT "api_token_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written (schema.prisma cannot express functional or partial indexes):
-- one installation per platform app, wherever the app id is known.
CREATE UNIQUE INDEX "channel_installation_app_id_key"
    ON "channel_installation" ("channel_type", ("config"->>'app_id'))
    WHERE "config" ? 'app_id';
