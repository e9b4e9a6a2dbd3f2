//! The chain and signer a command runs with: `--url` (a node) or the in-process chain,
//! and `--suri` (or `GB_SURI`), defaulting to `//Alice` on development chains only.

use gb_chain::{AccountKey, Chain, ChainError};

/// What the signer holds on a fresh in-process chain: 10^6 U.
#[cfg(feature = "sandbox")]
pub const SANDBOX_ENDOWMENT: gb_chain::Balance = 1_000_000 * crate::actors::UNIT;

/// The chain options every command takes (as cargo-contract's and pop-cli's do).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ChainOpts {
    /// A node with pallet-contracts, e.g. ws://127.0.0.1:9944 (default: an in-process
    /// chain; nothing persists).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The signer's secret URI (default //Alice, accepted on development chains only).
    /// Prefer the GB_SURI environment variable: a secret on the command line is
    /// visible to other users of the machine.
    #[arg(long, env = "GB_SURI", hide_env_values = true, value_name = "SURI")]
    pub suri: Option<String>,
    /// The in-process chain's runtime: `dev` (drink's) or `production` (configured like
    /// a production chain: unstable host functions refused, call stack 5, 128 KiB
    /// code, subtensor's deposits; docs/production.md). Not with --url.
    #[arg(long, value_enum, default_value_t = Runtime::Dev)]
    pub runtime: Runtime,
}

/// The runtime of the in-process chain.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Runtime {
    /// drink's default runtime.
    #[default]
    Dev,
    /// Configured like a production chain (Bittensor's subtensor).
    Production,
}

/// Why the chain or the signer could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error("--suri: {0}")]
    BadSuri(#[from] gb_chain::key::BadSuri),
    #[error("--suri needs --url (the in-process chain signs nothing)")]
    SuriWithoutUrl,
    #[error("--runtime picks the in-process chain's runtime; a node at --url runs its own")]
    RuntimeWithUrl,
    #[error(
        "this gb-deploy was built without the in-process chain (feature `sandbox`): pass \
         --url"
    )]
    NoSandbox,
}

/// A connected chain and the signer of the command.
pub struct Connected {
    pub chain: Box<dyn Chain>,
    pub signer: AccountKey,
}

impl ChainOpts {
    /// Connects: the node at `--url`, or a fresh in-process chain. The signer is
    /// `--suri`, else `//Alice` where that is a development chain's key.
    pub async fn connect(&self) -> Result<Connected, ConnectError> {
        match &self.url {
            None if self.suri.is_some() => Err(ConnectError::SuriWithoutUrl),
            None => self.sandbox(),
            Some(_) if self.runtime != Runtime::Dev => Err(ConnectError::RuntimeWithUrl),
            Some(url) => {
                let (signer, defaulted) = match &self.suri {
                    Some(suri) => (AccountKey::from_suri(suri)?, false),
                    None => (AccountKey::dev("Alice"), true),
                };
                let node = gb_chain::node::Node::connect(url, signer.clone()).await?;
                if defaulted {
                    node.require_dev_chain()?;
                }
                Ok(Connected {
                    chain: Box::new(node),
                    signer,
                })
            }
        }
    }

    /// A fresh in-process chain of `--runtime`, with //Alice endowed as the signer.
    #[cfg(feature = "sandbox")]
    fn sandbox(&self) -> Result<Connected, ConnectError> {
        use gb_chain::sandbox::{Profile, Sandbox};
        let chain = Sandbox::with_profile(match self.runtime {
            Runtime::Dev => Profile::Dev,
            Runtime::Production => Profile::Production,
        });
        let signer = AccountKey::dev("Alice");
        chain.mint(&signer.account_id(), SANDBOX_ENDOWMENT)?;
        Ok(Connected {
            chain: Box::new(chain),
            signer,
        })
    }

    #[cfg(not(feature = "sandbox"))]
    fn sandbox(&self) -> Result<Connected, ConnectError> {
        Err(ConnectError::NoSandbox)
    }
}
