//! WEBHOOK: vendor webhook deliveries, signed and verified the way each vendor
//! does it ([`schemes`]); replayed against a receiver the company runs, with the
//! attacks it must refuse ([`replay`]); and received from a vendor's sandbox,
//! each checked against the pinned spec ([`receive`]).

pub mod receive;
pub mod replay;
pub mod schemes;
