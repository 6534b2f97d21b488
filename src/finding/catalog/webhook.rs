//! Webhook rules: what a receiver did with deliveries apiwatch replayed to it, and
//! what deliveries apiwatch received from a vendor's sandbox.

use super::rule_family;

rule_family! {
    /// A webhook delivery sent to, or received from, a contract's counterpart.
    pub enum Hook {
        ForgeryAccepted = "webhook-forgery-accepted", Error,
            "The receiver accepts a delivery whose signature is forged or missing",
            "A receiver that does not check signatures takes orders from anyone: forged unsubscribes, fake purchases, poisoned consent records.";
        ReplayAccepted = "webhook-replay-accepted", Error,
            "The receiver accepts a correctly signed delivery with a stale timestamp",
            "Without the timestamp check a captured delivery can be sent again at will: a replayed opt-in re-subscribes someone who left.";
        ValidRejected = "webhook-valid-rejected", Error,
            "The receiver refuses a correctly signed delivery",
            "A receiver that refuses the vendor's real signatures drops every event: a silent outage of the sync.";
        DuplicateRejected = "webhook-duplicate-rejected", Warning,
            "The receiver refuses a duplicate or out-of-order delivery",
            "Vendors deliver at least once and not in order; a receiver that errors on a repeat makes the vendor retry, and may disable the subscription.";
        ReceiverUnreachable = "webhook-receiver-unreachable", Warning,
            "The webhook receiver could not be reached",
            "Deliveries that cannot be made check nothing tonight, and the vendor's cannot be made either.";
        SignatureInvalid = "webhook-signature-invalid", Error,
            "A delivery from the vendor's sandbox does not verify",
            "If the vendor's own deliveries fail verification, the integration's receiver refuses them all: the secret, the scheme or the URL is wrong.";
        PayloadInvalid = "webhook-payload-invalid", Error,
            "A delivery from the vendor's sandbox breaks the pinned webhook schema",
            "The receiver parses events as the pinned spec describes them: a changed event shape fails the handler that reads it.";
        DeliveriesMissing = "webhook-deliveries-missing", Warning,
            "Fewer deliveries arrived than the test expected",
            "A subscription that stops delivering is the quietest webhook failure there is.";
    }
}
