//! `.contract` bundles built by cargo-contract.

use std::{collections::HashMap, path::PathBuf};

/// A contract's optimized Wasm and its message/constructor selectors by label.
#[derive(Clone, Debug)]
pub struct Bundle {
    pub name: String,
    pub path: PathBuf,
    pub wasm: Vec<u8>,
    selectors: HashMap<String, [u8; 4]>,
}

/// Why a bundle could not be loaded.
#[derive(Debug)]
pub enum BundleError {
    /// The file is missing or unreadable: it has not been built.
    NotBuilt {
        name: String,
        path: PathBuf,
        reason: String,
    },
    /// The file is not a cargo-contract bundle.
    Malformed { path: PathBuf, reason: String },
}

impl std::fmt::Display for BundleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BundleError::NotBuilt { name, path, reason } => write!(
                f,
                "cannot read {} ({reason}); build it with `cargo contract build --release \
                 --manifest-path {name}/Cargo.toml` (or run `bash scripts/demo.sh`, which \
                 builds all three), or point GB_BUNDLES_DIR at the directory holding \
                 <name>/<name>.contract",
                path.display()
            ),
            BundleError::Malformed { path, reason } => {
                write!(f, "{} is not a contract bundle: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for BundleError {}

/// Where the bundles are: `$GB_BUNDLES_DIR/<name>/<name>.contract`, else
/// `$CARGO_TARGET_DIR/ink`, else the root workspace's `target/ink`.
pub fn bundles_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("GB_BUNDLES_DIR") {
        return dir.into();
    }
    if let Ok(dir) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("ink");
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/ink")
}

impl Bundle {
    /// Loads `<bundles_dir>/<name>/<name>.contract`.
    pub fn load(name: &str) -> Result<Self, BundleError> {
        Self::load_from(
            name,
            bundles_dir().join(name).join(format!("{name}.contract")),
        )
    }

    /// Loads the bundle at `path`.
    pub fn load_from(name: &str, path: PathBuf) -> Result<Self, BundleError> {
        let text = std::fs::read_to_string(&path).map_err(|e| BundleError::NotBuilt {
            name: name.to_string(),
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let bad = |reason: &str| BundleError::Malformed {
            path: path.clone(),
            reason: reason.into(),
        };
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(&e.to_string()))?;
        let wasm_hex = json["source"]["wasm"]
            .as_str()
            .ok_or_else(|| bad("no source.wasm"))?;
        let wasm = hex::decode(wasm_hex.trim_start_matches("0x"))
            .map_err(|_| bad("source.wasm is not hex"))?;
        let mut selectors = HashMap::new();
        for kind in ["messages", "constructors"] {
            let list = json["spec"][kind]
                .as_array()
                .ok_or_else(|| bad("no spec"))?;
            for m in list {
                let label = m["label"]
                    .as_str()
                    .ok_or_else(|| bad("message without label"))?;
                let sel = m["selector"]
                    .as_str()
                    .ok_or_else(|| bad("message without selector"))?;
                let sel =
                    hex::decode(sel.trim_start_matches("0x")).map_err(|_| bad("bad selector"))?;
                let sel: [u8; 4] = sel.try_into().map_err(|_| bad("selector is not 4 bytes"))?;
                selectors.insert(label.to_string(), sel);
            }
        }
        Ok(Bundle {
            name: name.to_string(),
            path,
            wasm,
            selectors,
        })
    }

    /// Selector of a message or constructor by its metadata label (trait messages are
    /// labelled `Trait::message`). Panics on an unknown label: that is a bug in the
    /// caller, which names messages statically.
    pub fn selector(&self, label: &str) -> [u8; 4] {
        match self.selectors.get(label) {
            Some(s) => *s,
            None => panic!(
                "{} has no message `{label}`; it has {:?}",
                self.name,
                self.labels()
            ),
        }
    }

    /// All labels, sorted.
    pub fn labels(&self) -> Vec<&str> {
        let mut l: Vec<&str> = self.selectors.keys().map(String::as_str).collect();
        l.sort();
        l
    }

    /// Blake2-256 of the Wasm: the code hash the chain will report.
    pub fn code_hash(&self) -> [u8; 32] {
        sp_core::hashing::blake2_256(&self.wasm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_bundle_says_how_to_build_it() {
        let e = Bundle::load_from("escrow", "/nonexistent/escrow.contract".into()).unwrap_err();
        assert!(matches!(e, BundleError::NotBuilt { .. }));
        let text = e.to_string();
        assert!(
            text.starts_with("cannot read /nonexistent/escrow.contract ("),
            "{text}"
        );
        assert!(
            text.contains("cargo contract build --release --manifest-path escrow/Cargo.toml"),
            "{text}"
        );
    }

    #[test]
    fn a_file_that_is_not_a_bundle_is_refused() {
        let path =
            std::env::temp_dir().join(format!("gb-not-a-bundle-{}.json", std::process::id()));
        std::fs::write(&path, "{\"source\": {}}").unwrap();
        let e = Bundle::load_from("escrow", path.clone()).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(e, BundleError::Malformed { .. }), "{e}");
    }
}
