//! The deployment file: which chain, which three contracts at which addresses with
//! which code, deployed by whom and in which blocks, with which fee. Written by
//! `gb-deploy deploy`, read by everything that uses the suite (`gb-deploy verify`, the
//! gateway, the SDK).

use gb_chain::{AccountId, ChainInfo, CodeHash};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One deployed contract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployedContract {
    pub address: AccountId,
    /// Blake2-256 of the Wasm, `0x…`.
    #[serde(with = "gb_chain::hex_hash")]
    pub code_hash: CodeHash,
    /// The block it was instantiated in, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<u64>,
}

/// The three contracts of a deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuiteContracts {
    pub registry: DeployedContract,
    pub reputation: DeployedContract,
    pub escrow: DeployedContract,
}

impl SuiteContracts {
    /// (name, contract) of each, in deployment order.
    pub fn each(&self) -> [(&'static str, &DeployedContract); 3] {
        [
            ("registry", &self.registry),
            ("reputation", &self.reputation),
            ("escrow", &self.escrow),
        ]
    }
}

/// A deployment of the suite.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// The chain it is on.
    pub chain: ChainInfo,
    /// Who deployed (and owns) the three contracts.
    pub deployer: AccountId,
    /// Escrow's protocol fee at deployment, in basis points.
    pub fee_bps: u16,
    /// Who may withdraw the protocol fees.
    pub treasury: AccountId,
    pub contracts: SuiteContracts,
}

/// Why a deployment file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DeploymentError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a deployment file: {reason}", path.display())]
    Parse { path: PathBuf, reason: String },
    #[error("cannot write the deployment file {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Deployment {
    pub fn registry(&self) -> &AccountId {
        &self.contracts.registry.address
    }

    pub fn reputation(&self) -> &AccountId {
        &self.contracts.reputation.address
    }

    pub fn escrow(&self) -> &AccountId {
        &self.contracts.escrow.address
    }

    /// Reads the file at `path`; `Ok(None)` if there is none.
    pub fn read(path: &Path) -> Result<Option<Self>, DeploymentError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(DeploymentError::Read {
                    path: path.into(),
                    source,
                })
            }
        };
        Self::parse(&text)
            .map(Some)
            .map_err(|reason| DeploymentError::Parse {
                path: path.into(),
                reason,
            })
    }

    /// Parses a deployment file's text.
    pub fn parse(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// The file's text: pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        // Serializing plain data cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Writes the file (atomically: a temporary file renamed over `path`).
    pub fn write(&self, path: &Path) -> Result<(), DeploymentError> {
        let fail = |source| DeploymentError::Write {
            path: path.into(),
            source,
        };
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, self.to_json()).map_err(fail)?;
        std::fs::rename(&tmp, path).map_err(fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Deployment {
        let c = |n: u8| DeployedContract {
            address: AccountId([n; 32]),
            code_hash: [n + 10; 32],
            block: Some(u64::from(n)),
        };
        Deployment {
            chain: ChainInfo {
                name: "Development".into(),
                url: Some("ws://127.0.0.1:9944".into()),
                genesis_hash: "0xabcd".into(),
                dev: true,
            },
            deployer: AccountId([9; 32]),
            fee_bps: 100,
            treasury: AccountId([8; 32]),
            contracts: SuiteContracts {
                registry: c(1),
                reputation: c(2),
                escrow: c(3),
            },
        }
    }

    #[test]
    fn a_written_deployment_reads_back() {
        let d = sample();
        let text = d.to_json();
        assert!(text.contains("\"code_hash\": \"0x0b0b"), "{text}");
        assert!(
            text.contains(&format!("\"address\": \"{}\"", AccountId([1; 32]))),
            "addresses are SS58: {text}"
        );
        assert_eq!(Deployment::parse(&text).unwrap(), d);
    }

    #[test]
    fn a_file_without_escrow_is_refused_with_the_reason() {
        let mut v: serde_json::Value = serde_json::from_str(&sample().to_json()).unwrap();
        v["contracts"].as_object_mut().unwrap().remove("escrow");
        let e = Deployment::parse(&v.to_string()).unwrap_err();
        assert!(e.contains("missing field `escrow`"), "{e}");
    }

    #[test]
    fn a_missing_file_is_none_and_a_bad_one_names_its_path() {
        let dir = std::env::temp_dir().join(format!("gb-deployment-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(Deployment::read(&dir.join("none.json")).unwrap().is_none());
        let bad = dir.join("bad.json");
        std::fs::write(&bad, "{}").unwrap();
        let e = Deployment::read(&bad).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("{} is not a deployment file: ", bad.display())),
            "{e}"
        );
        let good = dir.join("good.json");
        sample().write(&good).unwrap();
        assert_eq!(Deployment::read(&good).unwrap(), Some(sample()));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
