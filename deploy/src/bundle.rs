//! The `.contract` bundles cargo-contract builds: only their Wasm is used (deploying);
//! selectors and types come from the contract crates at compile time.

use std::path::{Path, PathBuf};

/// A contract's optimized Wasm.
#[derive(Clone, Debug)]
pub struct Bundle {
    pub name: &'static str,
    pub path: PathBuf,
    pub wasm: Vec<u8>,
}

/// Why a bundle could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The file is missing or unreadable: it has not been built.
    #[error(
        "cannot read {} ({reason}); build it with {}, or point GB_BUNDLES_DIR (or \
         --bundles) at the directory holding <name>/<name>.contract",
        path.display(), build_hint(name)
    )]
    NotBuilt {
        name: &'static str,
        path: PathBuf,
        reason: String,
    },
    /// The file is not a cargo-contract bundle.
    #[error("{} is not a contract bundle: {reason}", path.display())]
    Malformed { path: PathBuf, reason: String },
}

fn build_hint(name: &str) -> String {
    if name == ESCROW_ECDSA {
        "`bash scripts/contracts.sh` (with CARGO_TARGET_DIR set; it builds escrow \
         with `--features ecdsa-only` into <CARGO_TARGET_DIR>/ink/escrow-ecdsa/)"
            .into()
    } else {
        format!(
            "`cargo contract build --release --manifest-path {name}/Cargo.toml` (or run \
             `bash scripts/demo.sh`, which builds all three)"
        )
    }
}

/// The directory holding `<name>/<name>.contract`: `$GB_BUNDLES_DIR`, else
/// `$CARGO_TARGET_DIR/ink`, else the root workspace's `target/ink`.
pub fn default_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("GB_BUNDLES_DIR") {
        return dir.into();
    }
    if let Ok(dir) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("ink");
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/ink")
}

#[derive(serde::Deserialize)]
struct BundleFile {
    source: Source,
}

#[derive(serde::Deserialize)]
struct Source {
    wasm: String,
}

impl Bundle {
    /// Loads `<dir>/<name>/<name>.contract`.
    pub fn load(dir: &Path, name: &'static str) -> Result<Self, BundleError> {
        Self::load_from(name, dir.join(name).join(format!("{name}.contract")))
    }

    /// Loads the bundle at `path`.
    pub fn load_from(name: &'static str, path: PathBuf) -> Result<Self, BundleError> {
        let text = std::fs::read_to_string(&path).map_err(|e| BundleError::NotBuilt {
            name,
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let bad = |reason: String| BundleError::Malformed {
            path: path.clone(),
            reason,
        };
        let file: BundleFile = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let wasm = hex::decode(file.source.wasm.trim_start_matches("0x"))
            .map_err(|e| bad(format!("source.wasm is not hex: {e}")))?;
        Ok(Bundle { name, path, wasm })
    }

    /// Blake2-256 of the Wasm: the code hash the chain will report.
    pub fn code_hash(&self) -> [u8; 32] {
        sp_core::hashing::blake2_256(&self.wasm)
    }
}

/// The name of escrow's production bundle (`scripts/contracts.sh`): escrow built with
/// feature `ecdsa-only`, which imports no sr25519 host function (docs/production.md).
pub const ESCROW_ECDSA: &str = "escrow-ecdsa";

/// The three contracts' bundles.
#[derive(Clone, Debug)]
pub struct Bundles {
    pub registry: Bundle,
    pub reputation: Bundle,
    pub escrow: Bundle,
    /// Escrow's production bundle ([`ESCROW_ECDSA`]), if built: deployed instead of
    /// `escrow` on a chain that refuses `escrow`'s code (`suite::deploy`).
    pub escrow_ecdsa: Option<Bundle>,
}

impl Bundles {
    /// Loads the three bundles from `dir`, and `escrow-ecdsa` if it is there.
    pub fn load(dir: &Path) -> Result<Self, BundleError> {
        let escrow_ecdsa = match Bundle::load(dir, ESCROW_ECDSA) {
            Ok(b) => Some(b),
            Err(BundleError::NotBuilt { .. }) => None,
            Err(e) => return Err(e),
        };
        Ok(Bundles {
            registry: Bundle::load(dir, "registry")?,
            reputation: Bundle::load(dir, "reputation")?,
            escrow: Bundle::load(dir, "escrow")?,
            escrow_ecdsa,
        })
    }

    /// The production suite: `escrow-ecdsa` as escrow (an error if it is not built).
    pub fn load_production(dir: &Path) -> Result<Self, BundleError> {
        let b = Self::load(dir)?;
        let ecdsa = Bundle::load(dir, ESCROW_ECDSA)?;
        Ok(Bundles {
            escrow: ecdsa,
            escrow_ecdsa: None,
            ..b
        })
    }

    /// The escrow bundles a deployment may run: `escrow`, then `escrow-ecdsa`.
    pub fn escrows(&self) -> impl Iterator<Item = &Bundle> {
        std::iter::once(&self.escrow).chain(self.escrow_ecdsa.as_ref())
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
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("escrow.contract");
        std::fs::write(&path, "{\"source\": {}}").unwrap();
        let e = Bundle::load_from("escrow", path).unwrap_err();
        assert!(matches!(e, BundleError::Malformed { .. }), "{e}");
    }
}
