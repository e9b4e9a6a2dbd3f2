//! The gateway's configuration: one TOML file, every key overridable from the
//! environment (`GB_GATEWAY_<KEY>` for a top-level key, `GB_GATEWAY_<SECTION>__<KEY>`
//! for a key of a section, e.g. `GB_GATEWAY_STORE__URL`; the value is read as TOML
//! if it parses, else as a string).

use serde::{Deserialize, Deserializer};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The commented example `gb-gateway init` writes.
pub const EXAMPLE: &str = include_str!("../gateway.example.toml");

/// The environment prefix of overrides.
pub const ENV_PREFIX: &str = "GB_GATEWAY_";
/// Environment variables with the prefix that are not configuration keys (the CLI's).
const NOT_KEYS: &[&str] = &["GB_GATEWAY_CONFIG", "GB_GATEWAY_LOG"];

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where clients connect.
    pub listen: SocketAddr,
    /// `/health` and `/metrics` listen here instead of on `listen` when set.
    #[serde(default)]
    pub admin_listen: Option<SocketAddr>,
    /// The service behind the gateway: `http://host:port` (an optional path prefix is
    /// prepended to every request path).
    pub upstream: String,
    /// The registry service this gateway sells.
    pub service_id: u64,
    /// gb-deploy's deployment file: the chain and the contracts' addresses. Relative
    /// paths are relative to the configuration file.
    pub deployment: PathBuf,
    /// The node (`ws://…`); default: the deployment file's `chain.url`.
    #[serde(default)]
    pub url: Option<String>,
    /// Path prefixes served without payment (e.g. `/v1/models`).
    #[serde(default)]
    pub free_paths: Vec<String>,
    /// Names this gateway among replicas sharing a PostgreSQL store (idempotency
    /// records in flight at a crash are resumed by the same replica).
    #[serde(default = "default_replica_id")]
    pub replica_id: String,
    /// What the service is, shown in challenges.
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub payment: PaymentConfig,
    #[serde(default)]
    pub proxy: ProxyConfig,
    #[serde(default)]
    pub store: StoreConfig,
    #[serde(default)]
    pub idempotency: IdempotencyConfig,
    #[serde(default)]
    pub claims: ClaimsConfig,
}

fn default_replica_id() -> String {
    "gateway".into()
}

/// Which vouchers are accepted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentConfig {
    /// Vouchers are refused on channels expiring within this margin (seconds).
    pub min_expiry_margin_secs: u64,
    /// Channels with less funds are refused (plancks; at least the price).
    #[serde(deserialize_with = "amount")]
    pub min_deposit: u128,
    /// Paid calls per second per channel (bursts of twice that); 0: no limit.
    pub rate_limit_per_channel: u32,
}

impl Default for PaymentConfig {
    fn default() -> Self {
        PaymentConfig {
            min_expiry_margin_secs: 3600,
            min_deposit: 0,
            rate_limit_per_channel: 0,
        }
    }
}

/// How requests are forwarded.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProxyConfig {
    /// The longest the gateway waits for the service's response headers (seconds).
    pub timeout_secs: u64,
    /// The largest request body forwarded (bytes); larger ones are refused (413) by
    /// `Content-Length` before any charge, or cut off while streaming (refunded).
    pub max_request_body_bytes: u64,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig {
            timeout_secs: 120,
            max_request_body_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Where vouchers are made durable.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// `sqlite` (embedded, one gateway) or `postgres` (several replicas).
    pub kind: StoreKind,
    /// SQLite file (relative to the configuration file).
    pub path: PathBuf,
    /// PostgreSQL connection string (`postgres://user:pass@host:port/db`); better given
    /// as `GB_GATEWAY_STORE__URL` than written here.
    pub url: Option<String>,
    /// Most writes committed together (one fsync). 1 commits every call on its own
    /// (the per-call-fsync baseline of the benchmark; do not use in production).
    pub max_batch: usize,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            kind: StoreKind::Sqlite,
            path: "gateway.db".into(),
            url: None,
            max_batch: 1024,
        }
    }
}

/// A store backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    Sqlite,
    Postgres,
}

/// `Idempotency-Key` records.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdempotencyConfig {
    /// How long a key is remembered (seconds).
    pub ttl_secs: u64,
    /// Responses with bodies up to this size are kept for replay (bytes).
    pub max_stored_response_bytes: u64,
}

impl Default for IdempotencyConfig {
    fn default() -> Self {
        IdempotencyConfig {
            ttl_secs: 86_400,
            max_stored_response_bytes: 64 * 1024,
        }
    }
}

/// The background claimer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClaimsConfig {
    /// Claim at all (with several replicas, enable it on one).
    pub enabled: bool,
    /// How often the claimer looks for due channels (seconds).
    pub interval_secs: u64,
    /// A channel is due when its unclaimed value reaches this (plancks).
    #[serde(deserialize_with = "amount")]
    pub value_threshold: u128,
    /// … or its oldest unclaimed voucher is this old (seconds) …
    pub max_age_secs: u64,
    /// … or it expires within this margin (seconds; at least
    /// `payment.min_expiry_margin_secs`, so the last voucher is claimed before expiry).
    pub expiry_margin_secs: u64,
    /// … or the unclaimed value of all channels together reaches this (plancks; 0: no
    /// cap); then the largest are claimed first.
    #[serde(deserialize_with = "amount")]
    pub risk_cap: u128,
    /// Most vouchers per `claim_batch` (escrow takes at most 50).
    pub max_batch: usize,
    /// Most `ref_time` one claim transaction may use (batches are split to fit).
    pub max_ref_time: u64,
}

impl Default for ClaimsConfig {
    fn default() -> Self {
        ClaimsConfig {
            enabled: true,
            interval_secs: 60,
            value_threshold: 1_000_000_000_000,
            max_age_secs: 86_400,
            expiry_margin_secs: 7_200,
            risk_cap: 0,
            max_batch: 50,
            max_ref_time: 500_000_000_000,
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {reason}", path.display())]
    Parse { path: PathBuf, reason: String },
    #[error("environment variable {name}: {reason}")]
    Env { name: String, reason: String },
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Reads `path`, applies the `GB_GATEWAY_*` overrides of this process's
    /// environment, resolves relative paths against the file's directory, validates.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text, std::env::vars(), path)
    }

    /// The configuration of a gateway embedded in another program (the agent's test kit,
    /// the market run, tests): listens on `listen` in front of `upstream`
    /// (`http://host:port`), sells `service_id`, keeps its ledger in the SQLite file
    /// `store`; claims only when the program asks (`Gateway::claim_now`; the timer is an
    /// hour) and accepts channels with a minute left before expiry. The deployment is
    /// passed to the gateway directly, so no deployment file is read. Every other
    /// setting has its default; change fields before starting the gateway if needed.
    pub fn embedded(
        listen: SocketAddr,
        upstream: impl Into<String>,
        service_id: u64,
        store: &Path,
    ) -> Result<Config, ConfigError> {
        let config = Config {
            listen,
            admin_listen: None,
            upstream: upstream.into(),
            service_id,
            deployment: PathBuf::from("embedded"),
            url: None,
            free_paths: Vec::new(),
            replica_id: default_replica_id(),
            description: None,
            payment: PaymentConfig {
                min_expiry_margin_secs: 60,
                ..PaymentConfig::default()
            },
            proxy: ProxyConfig::default(),
            store: StoreConfig {
                path: store.to_path_buf(),
                ..StoreConfig::default()
            },
            idempotency: IdempotencyConfig::default(),
            claims: ClaimsConfig {
                interval_secs: 3600,
                ..ClaimsConfig::default()
            },
        };
        config.validate()?;
        Ok(config)
    }

    /// Parses `text`, applies the overrides in `env`, resolves relative paths against
    /// `origin`'s directory, validates.
    pub fn from_toml(
        text: &str,
        env: impl IntoIterator<Item = (String, String)>,
        origin: &Path,
    ) -> Result<Config, ConfigError> {
        let parse = |reason: String| ConfigError::Parse {
            path: origin.to_path_buf(),
            reason,
        };
        let mut table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| parse(e.to_string()))?;
        let mut env: Vec<(String, String)> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with(ENV_PREFIX) && !NOT_KEYS.contains(&k.as_str()))
            .collect();
        env.sort();
        for (name, value) in env {
            apply_override(&mut table, &name, &value)?;
        }
        // Parsed again as text, so that an error shows the key and value it is about.
        let merged = toml::to_string(&table).map_err(|e| parse(e.to_string()))?;
        let mut config: Config =
            toml::from_str(&merged).map_err(|e: toml::de::Error| parse(e.to_string()))?;
        let base = origin.parent().unwrap_or(Path::new("."));
        config.deployment = base.join(&config.deployment);
        config.store.path = base.join(&config.store.path);
        config.validate()?;
        Ok(config)
    }

    /// Checks the values that cannot work together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        let upstream: http::Uri = self
            .upstream
            .parse()
            .map_err(|e| ConfigError::Invalid(format!("upstream `{}`: {e}", self.upstream)))?;
        if upstream.scheme_str() != Some("http") || upstream.authority().is_none() {
            return bad(format!(
                "upstream `{}`: must be http://host:port[/prefix] (put TLS in front of the \
                 gateway, not behind it)",
                self.upstream
            ));
        }
        if upstream.query().is_some() {
            return bad(format!("upstream `{}`: no query string", self.upstream));
        }
        if self.claims.expiry_margin_secs < self.payment.min_expiry_margin_secs {
            return bad(format!(
                "claims.expiry_margin_secs ({}) must be at least payment.min_expiry_margin_secs \
                 ({}): the last voucher of a channel must be claimed before it expires",
                self.claims.expiry_margin_secs, self.payment.min_expiry_margin_secs
            ));
        }
        if !(1..=50).contains(&self.claims.max_batch) {
            return bad("claims.max_batch must be 1 to 50 (escrow's limit)".into());
        }
        if self.claims.interval_secs == 0 {
            return bad("claims.interval_secs must be at least 1".into());
        }
        if self.store.max_batch == 0 {
            return bad("store.max_batch must be at least 1".into());
        }
        if self.store.kind == StoreKind::Postgres && self.store.url.is_none() {
            return bad(
                "store.kind = \"postgres\" needs store.url (or GB_GATEWAY_STORE__URL)".into(),
            );
        }
        if self.proxy.timeout_secs == 0 {
            return bad("proxy.timeout_secs must be at least 1".into());
        }
        for p in &self.free_paths {
            if !p.starts_with('/') {
                return bad(format!("free_paths: `{p}` must start with /"));
            }
        }
        if self.replica_id.is_empty() || self.replica_id.len() > 64 {
            return bad("replica_id must be 1 to 64 characters".into());
        }
        Ok(())
    }

    /// The upstream response timeout.
    pub fn upstream_timeout(&self) -> Duration {
        Duration::from_secs(self.proxy.timeout_secs)
    }
}

/// Sets `GB_GATEWAY_A__B=value` as `a.b = value` in `table`.
fn apply_override(table: &mut toml::Table, name: &str, value: &str) -> Result<(), ConfigError> {
    let err = |reason: &str| ConfigError::Env {
        name: name.to_string(),
        reason: reason.to_string(),
    };
    let path: Vec<String> = name[ENV_PREFIX.len()..]
        .split("__")
        .map(|s| s.to_ascii_lowercase())
        .collect();
    if path.iter().any(|s| s.is_empty()) {
        return Err(err("empty key segment"));
    }
    let parsed = format!("v = {value}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_string()));
    let (last, sections) = path.split_last().ok_or_else(|| err("no key"))?;
    let mut at = table;
    for s in sections {
        at = at
            .entry(s.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or_else(|| err("names a key inside a value that is not a section"))?;
    }
    at.insert(last.clone(), parsed);
    Ok(())
}

/// An amount in plancks: a TOML integer or a decimal string (for values beyond i64).
fn amount<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Amount {
        Int(i64),
        Text(String),
    }
    match Amount::deserialize(d)? {
        Amount::Int(i) => {
            u128::try_from(i).map_err(|_| serde::de::Error::custom("negative amount"))
        }
        Amount::Text(t) => t
            .trim()
            .parse()
            .map_err(|e| serde::de::Error::custom(format!("amount `{t}`: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
listen = "127.0.0.1:8402"
upstream = "http://127.0.0.1:8000"
service_id = 3
deployment = "deploy.json"
"#;

    fn load(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_toml(
            text,
            env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
            Path::new("/etc/gb/gateway.toml"),
        )
    }

    #[test]
    fn the_example_written_by_init_loads_and_validates() {
        let c = load(EXAMPLE, &[]).expect("the example is valid");
        assert_eq!(c.store.kind, StoreKind::Sqlite);
        assert!(c.claims.enabled);
    }

    #[test]
    fn a_minimal_file_gets_the_defaults_and_paths_relative_to_it() {
        let c = load(MINIMAL, &[]).unwrap();
        assert_eq!(c.service_id, 3);
        assert_eq!(c.deployment, PathBuf::from("/etc/gb/deploy.json"));
        assert_eq!(c.store.path, PathBuf::from("/etc/gb/gateway.db"));
        assert_eq!(c.store.max_batch, 1024);
        assert_eq!(c.payment.min_expiry_margin_secs, 3600);
        assert_eq!(c.claims.max_batch, 50);
    }

    #[test]
    fn environment_variables_override_top_level_and_section_keys() {
        let c = load(
            MINIMAL,
            &[
                ("GB_GATEWAY_SERVICE_ID", "9"),
                ("GB_GATEWAY_STORE__KIND", "postgres"),
                (
                    "GB_GATEWAY_STORE__URL",
                    "postgres://u:secret@127.0.0.1:5432/gb",
                ),
                (
                    "GB_GATEWAY_CLAIMS__VALUE_THRESHOLD",
                    "\"340282366920938463463374607431768211455\"",
                ),
                ("GB_GATEWAY_CONFIG", "/not/a/key.toml"),
                ("OTHER", "ignored"),
            ],
        )
        .unwrap();
        assert_eq!(c.service_id, 9);
        assert_eq!(c.store.kind, StoreKind::Postgres);
        assert_eq!(
            c.store.url.as_deref(),
            Some("postgres://u:secret@127.0.0.1:5432/gb")
        );
        assert_eq!(c.claims.value_threshold, u128::MAX);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors_naming_them() {
        let e = load(&format!("{MINIMAL}\nlisten_port = 1\n"), &[]).unwrap_err();
        assert!(e.to_string().contains("listen_port"), "{e}");
        let e = load(MINIMAL, &[("GB_GATEWAY_STORE__KINDS", "sqlite")]).unwrap_err();
        assert!(e.to_string().contains("kinds"), "{e}");
        let e = load(MINIMAL, &[("GB_GATEWAY_SERVICE_ID", "many")]).unwrap_err();
        assert!(e.to_string().contains("service_id"), "{e}");
    }

    #[test]
    fn validation_refuses_settings_that_cannot_work_together() {
        let cases = [
            ("GB_GATEWAY_UPSTREAM", "https://api.example", "http://"),
            ("GB_GATEWAY_UPSTREAM", "http://h:1/x?y=1", "query"),
            (
                "GB_GATEWAY_CLAIMS__EXPIRY_MARGIN_SECS",
                "60",
                "expiry_margin_secs",
            ),
            ("GB_GATEWAY_CLAIMS__MAX_BATCH", "51", "max_batch"),
            ("GB_GATEWAY_STORE__KIND", "postgres", "store.url"),
            ("GB_GATEWAY_STORE__MAX_BATCH", "0", "max_batch"),
        ];
        for (k, v, needle) in cases {
            let e = load(MINIMAL, &[(k, v)]).unwrap_err();
            assert!(e.to_string().contains(needle), "{k}={v}: {e}");
        }
        let e = load(&format!("{MINIMAL}\nfree_paths = [\"docs\"]\n"), &[]).unwrap_err();
        assert!(e.to_string().contains("must start with /"), "{e}");
    }
}
