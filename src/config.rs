//! CONFIG: the configuration vocabulary the contract loader produces and the
//! stages read — which operations are in use, where documents live, how to
//! authenticate to them. Plain data at the bottom of the crate: it depends on
//! nothing else here, so the loader (`map`) does not depend on the stages.

/// The operations an integration uses, as written in its contract.
#[derive(Debug, Clone, Default)]
pub struct Uses {
    pub entries: Vec<UseEntry>,
}

#[derive(Debug, Clone)]
pub struct UseEntry {
    /// `GET /contacts/{id}` or an operationId.
    pub reference: String,
    /// Compliance kind, when the operation is compliance-critical.
    pub compliance: Option<String>,
}
