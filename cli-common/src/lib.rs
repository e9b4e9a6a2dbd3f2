//! # gb-cli-common: what the Global Brain command lines share
//!
//! The chain options of `gb-deploy` and `gb` (as cargo-contract's and pop-cli's):
//! [`ChainOpts`] (`--url`, `--suri` or `GB_SURI`) and [`DeploymentOpts`]
//! (`--deployment` or `GB_DEPLOYMENT`), and [`ChainOpts::connect`], which gives the
//! chain and the signer: the node at `--url`, or (feature `sandbox`, for tests and the
//! in-process demo) a fresh in-process chain.
//!
//! The signer is `--suri`, else `//Alice` on a development chain only (a chain that is
//! not one refuses the default with [`gb_chain::ChainError::DevKeyOnLiveChain`]).

use gb_chain::{AccountKey, Chain, ChainError};
use gb_client::{Deployment, DeploymentError};
use std::path::PathBuf;

/// What the signer holds on a fresh in-process chain: 10^6 U.
#[cfg(feature = "sandbox")]
pub const SANDBOX_ENDOWMENT: gb_chain::Balance = 1_000_000 * gb_scoring::DEFAULT_UNIT;

/// The chain options every command takes.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ChainOpts {
    /// A node with pallet-contracts, e.g. ws://127.0.0.1:9944 (default: an in-process
    /// chain where the program has one; nothing persists).
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

/// The deployment file option of the commands that use a deployed suite.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct DeploymentOpts {
    /// The deployment file written by `gb-deploy deploy -x` (which chain, which
    /// contracts).
    #[arg(long, env = "GB_DEPLOYMENT", value_name = "PATH")]
    pub deployment: Option<PathBuf>,
}

/// Why the chain, the signer or the deployment could not be set up.
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
        "this program was built without the in-process chain (feature `sandbox`): pass \
         --url"
    )]
    NoSandbox,
    #[error(
        "no deployment file: pass --deployment PATH (or set GB_DEPLOYMENT) with the file \
         `gb-deploy deploy -x --deployment PATH` wrote"
    )]
    NoDeploymentOption,
    #[error("no deployment file at {}", .0.display())]
    NoDeploymentFile(PathBuf),
    #[error(transparent)]
    Deployment(#[from] DeploymentError),
    #[error(
        "the deployment file {} was written for chain {file} but the chain at {url} is \
         {here}; pass the deployment file of this chain", path.display()
    )]
    WrongChain {
        path: PathBuf,
        file: String,
        url: String,
        here: String,
    },
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
            Some(url) => self.connect_node(url).await,
        }
    }

    /// Connects to the node at `url` (never the in-process chain).
    pub async fn connect_node(&self, url: &str) -> Result<Connected, ConnectError> {
        let (signer, defaulted) = self.signer()?;
        let node = gb_chain::node::Node::connect(url, signer.clone()).await?;
        if defaulted {
            node.require_dev_chain()?;
        }
        Ok(Connected {
            chain: Box::new(node),
            signer,
        })
    }

    /// The signer: `--suri`, else `//Alice` (the flag says it was defaulted, so that a
    /// caller can refuse it on a live chain).
    pub fn signer(&self) -> Result<(AccountKey, bool), ConnectError> {
        Ok(match &self.suri {
            Some(suri) => (AccountKey::from_suri(suri)?, false),
            None => (AccountKey::dev("Alice"), true),
        })
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

impl DeploymentOpts {
    /// Reads the deployment file and checks that it is for `chain` (same genesis).
    pub fn load(&self, chain: &dyn Chain) -> Result<Deployment, ConnectError> {
        let path = self
            .deployment
            .clone()
            .ok_or(ConnectError::NoDeploymentOption)?;
        let d =
            Deployment::read(&path)?.ok_or_else(|| ConnectError::NoDeploymentFile(path.clone()))?;
        let info = chain.info();
        if d.chain.genesis_hash != info.genesis_hash {
            return Err(ConnectError::WrongChain {
                path,
                file: d.chain.genesis_hash,
                url: info.url.unwrap_or_else(|| "in-process".into()),
                here: info.genesis_hash,
            });
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_signer_is_alice_and_flagged_as_defaulted() {
        let (key, defaulted) = ChainOpts::default().signer().unwrap();
        assert!(defaulted);
        assert_eq!(key.account_id(), AccountKey::dev("Alice").account_id());
        let opts = ChainOpts {
            suri: Some("//Bob".into()),
            ..ChainOpts::default()
        };
        let (key, defaulted) = opts.signer().unwrap();
        assert!(!defaulted);
        assert_eq!(key.account_id(), AccountKey::dev("Bob").account_id());
    }

    #[test]
    fn a_bad_suri_names_the_option() {
        let opts = ChainOpts {
            suri: Some("not a uri".into()),
            ..ChainOpts::default()
        };
        let e = opts.signer().err().unwrap().to_string();
        assert!(e.starts_with("--suri: `not a uri`:"), "{e}");
    }

    #[test]
    fn a_missing_deployment_option_says_how_to_get_one() {
        let e = DeploymentOpts::default().deployment.is_none();
        assert!(e);
        let text = ConnectError::NoDeploymentOption.to_string();
        assert!(text.contains("gb-deploy deploy -x"), "{text}");
    }
}
