//! `.contract` bundles built by cargo-contract.

use std::{collections::HashMap, path::PathBuf};

/// A contract's optimized Wasm and its message/constructor selectors by label.
#[derive(Clone, Debug)]
pub struct Bundle {
    pub name: String,
    pub wasm: Vec<u8>,
    selectors: HashMap<String, [u8; 4]>,
}

/// Where the bundles are: `$GB_BUNDLES_DIR/<name>/<name>.contract`, by default the root
/// workspace's `target/ink` (or `$CARGO_TARGET_DIR/ink`).
pub fn bundles_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("GB_BUNDLES_DIR") {
        return dir.into();
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/ink")
}

impl Bundle {
    /// Loads `<bundles_dir>/<name>/<name>.contract`. Panics with the command that builds
    /// it when it is missing (tests only).
    pub fn load(name: &str) -> Self {
        let path = bundles_dir().join(name).join(format!("{name}.contract"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e}\nbuild it with: cargo contract build --release --manifest-path {name}/Cargo.toml\n(or set GB_BUNDLES_DIR)",
                path.display()
            )
        });
        let json: serde_json::Value = serde_json::from_str(&text).expect("bundle is JSON");
        let wasm_hex = json["source"]["wasm"].as_str().expect("bundle has source.wasm");
        let wasm = hex::decode(wasm_hex.trim_start_matches("0x")).expect("wasm is hex");
        let mut selectors = HashMap::new();
        for kind in ["messages", "constructors"] {
            for m in json["spec"][kind].as_array().expect("spec lists") {
                let label = m["label"].as_str().expect("label").to_string();
                let sel = hex::decode(m["selector"].as_str().expect("selector").trim_start_matches("0x"))
                    .expect("selector hex");
                selectors.insert(label, sel.try_into().expect("4-byte selector"));
            }
        }
        Bundle { name: name.to_string(), wasm, selectors }
    }

    /// Selector of a message or constructor by its metadata label (trait messages are
    /// labelled `Trait::message`).
    pub fn selector(&self, label: &str) -> [u8; 4] {
        *self
            .selectors
            .get(label)
            .unwrap_or_else(|| panic!("{} has no message `{label}`; it has {:?}", self.name, self.labels()))
    }

    /// All labels, sorted.
    pub fn labels(&self) -> Vec<&str> {
        let mut l: Vec<&str> = self.selectors.keys().map(String::as_str).collect();
        l.sort();
        l
    }
}
