/** What to set in Meta's App Dashboard so WhatsApp reaches this installation. */
export function whatsappSetupSteps(webhookUrl: string): string[] {
  return [
    'App Dashboard → App settings → Basic: copy the App Secret into app_secret.',
    'Business settings → System users: generate a token with whatsapp_business_messaging and whatsapp_business_management for access_token (a permanent one: user tokens expire).',
    `App Dashboard → WhatsApp → Configuration → Webhook: Callback URL = ${webhookUrl}, Verify token = the verify_token stored here, then Verify and save.`,
    'Same page → Webhook fields: subscribe to messages.',
    'WhatsApp → API Setup: copy the Phone number ID into phone_number_id and the WhatsApp Business Account ID into waba_id.',
  ];
}
