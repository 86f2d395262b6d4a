-- CreateTable
CREATE TABLE "identity_verification" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "installation_id" UUID NOT NULL,
    "namespace" TEXT NOT NULL,
    "identifier" TEXT NOT NULL,
    "code_hash" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "consumed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "identity_verification_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "identity_verification_user_id_namespace_identifier_created__idx" ON "identity_verification"("user_id", "namespace", "identifier", "created_at");
