//! The deployment manifest: which chain, which contracts at which addresses with which
//! code, in which blocks, deployed by whom. Written as JSON by `gb-deploy demo
//! --manifest PATH`; read back by the next run against the same chain, which then
//! reuses the deployment (see [`crate::suite::reuse`]).

use crate::{backend::Backend, market::Market, Suite};
use drink::AccountId32;
use serde_json::{json, Value};
use std::{path::Path, str::FromStr};

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// The manifest of `m`'s deployment.
pub fn of<B: Backend>(m: &mut Market<B>) -> Value {
    let chain = m.chain.describe();
    let contracts: Vec<Value> = [
        (
            "registry",
            m.suite.registry.clone(),
            m.b.registry.code_hash(),
        ),
        (
            "reputation",
            m.suite.reputation.clone(),
            m.b.reputation.code_hash(),
        ),
        ("escrow", m.suite.escrow.clone(), m.b.escrow.code_hash()),
    ]
    .into_iter()
    .map(|(name, address, code_hash)| {
        json!({
            "name": name,
            "address": address.to_string(),
            "code_hash": hex(&code_hash),
            "block": m.chain.deployed_in(&address),
        })
    })
    .collect();
    json!({
        "chain": chain,
        "deployer": m.deployer.to_string(),
        "fee_bps": m.fee_bps,
        "treasury": m.treasury.account.to_string(),
        "contracts": contracts,
    })
}

/// Writes the manifest of `m` to `path` (pretty JSON).
pub fn write<B: Backend>(m: &mut Market<B>, path: &Path) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(&of(m)).map_err(std::io::Error::other)?;
    std::fs::write(path, text + "\n")
}

/// A manifest read back: the chain it was written for and the suite's addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployed {
    /// The chain's genesis hash (`0x…`), absent for the in-process chain.
    pub genesis_hash: Option<String>,
    pub suite: Suite,
}

/// Reads the manifest at `path`; `Ok(None)` if there is no file.
pub fn read(path: &Path) -> Result<Option<Deployed>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    parse(&text)
        .map(Some)
        .map_err(|why| format!("{} is not a deployment manifest: {why}", path.display()))
}

fn parse(text: &str) -> Result<Deployed, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let address = |name: &str| -> Result<AccountId32, String> {
        let entry = v["contracts"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["name"] == name))
            .ok_or(format!("no `{name}` in `contracts`"))?;
        let text = entry["address"]
            .as_str()
            .ok_or(format!("`{name}` has no address"))?;
        AccountId32::from_str(text).map_err(|e| format!("`{name}` address `{text}`: {e}"))
    };
    Ok(Deployed {
        genesis_hash: v["chain"]["genesis_hash"].as_str().map(str::to_string),
        suite: Suite {
            registry: address("registry")?,
            reputation: address("reputation")?,
            escrow: address("escrow")?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase_and_prefixed() {
        assert_eq!(hex(&[0, 0xAB, 0x10]), "0x00ab10");
    }

    #[test]
    fn a_written_manifest_reads_back() {
        let a = AccountId32::new([1; 32]);
        let b = AccountId32::new([2; 32]);
        let c = AccountId32::new([3; 32]);
        let text = json!({
            "chain": { "name": "Development", "genesis_hash": "0xabcd" },
            "contracts": [
                { "name": "registry", "address": a.to_string() },
                { "name": "reputation", "address": b.to_string() },
                { "name": "escrow", "address": c.to_string() },
            ],
        })
        .to_string();
        let d = parse(&text).expect("parses");
        assert_eq!(d.genesis_hash.as_deref(), Some("0xabcd"));
        assert_eq!(
            d.suite,
            Suite {
                registry: a,
                reputation: b,
                escrow: c
            }
        );
    }

    #[test]
    fn a_manifest_without_escrow_is_refused() {
        let text = r#"{"contracts":[{"name":"registry","address":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"}]}"#;
        assert_eq!(parse(text).unwrap_err(), "no `reputation` in `contracts`");
    }
}
