//! The deployment manifest: which chain, which contracts at which addresses with which
//! code, deployed by whom. Written as JSON by `gb-deploy demo --manifest PATH`.

use crate::market::Market;
use serde_json::{json, Value};

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + 2 * bytes.len());
    s.push_str("0x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The manifest of `m`'s deployment on the in-process chain.
pub fn of(m: &Market) -> Value {
    let contract = |name: &str, address: &drink::AccountId32, code_hash: [u8; 32]| json!({ "name": name, "address": address.to_string(), "code_hash": hex(&code_hash) });
    json!({
        "chain": "in-process drink sandbox (pallet-contracts 31); not persisted",
        "deployer": m.deployer.to_string(),
        "fee_bps": m.fee_bps,
        "treasury": m.treasury.account.to_string(),
        "contracts": [
            contract("registry", &m.suite.registry, m.b.registry.code_hash()),
            contract("reputation", &m.suite.reputation, m.b.reputation.code_hash()),
            contract("escrow", &m.suite.escrow, m.b.escrow.code_hash()),
        ],
    })
}

/// Writes the manifest of `m` to `path` (pretty JSON).
pub fn write(m: &Market, path: &std::path::Path) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(&of(m)).map_err(std::io::Error::other)?;
    std::fs::write(path, text + "\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_is_lowercase_and_prefixed() {
        assert_eq!(super::hex(&[0, 0xAB, 0x10]), "0x00ab10");
    }
}
