//! # gb-client: the Global Brain SDK core
//!
//! Typed calls of the three contracts, built from the contracts' own ink! call builders
//! (`ink-as-dependency`): the selector, the argument encoding and the return type are
//! checked at compile time — no message names as strings, no `.contract` files at run
//! time (only deploying needs the Wasm, see `gb-deploy`).
//!
//! ```ignore
//! let client = Client::new(chain, deployment);
//! let id = client.send(&provider, client.registry().register_service(org, spec)).await?.value;
//! let page = client.query(client.registry().ranked_by_tag("medical", 0, 0)).await?;
//! match client.send(&payee, client.escrow().claim_batch(vouchers)).await {
//!     Err(ClientError::Contract(ContractError::Escrow(escrow::Error::NotPayee))) => …,
//!     …
//! }
//! ```
//!
//! * [`Client`]: runs [`Message`]s on any [`gb_chain::Chain`]: `query` (a dry run),
//!   `dry_run` (as a given origin, with costs), `send` (dry run, then a signed
//!   submission unless the contract refuses).
//! * [`RegistryApi`], [`EscrowApi`], [`ReputationApi`]: the messages of each contract.
//! * [`ClientError`] / [`ContractError`]: chain failures and each contract's own `Error`
//!   as typed variants a caller can match.
//! * [`Deployment`]: the deployment file (which chain, which contracts, which code).
//! * [`events`]: decoding of the three contracts' events (the gateway and SDK follow
//!   channels and claims from them).

pub mod account;
pub mod client;
pub mod deployment;
pub mod error;
pub mod escrow_api;
pub mod events;
pub mod message;
pub mod registry_api;
pub mod reputation_api;

pub use account::{chain_account, ink_account};
pub use client::{Client, Sent};
pub use deployment::{DeployedContract, Deployment, DeploymentError};
pub use error::{ClientError, ContractError};
pub use escrow_api::EscrowApi;
pub use events::{channel_claims, decode_event, SuiteEvent};
pub use message::{Constructor, Message, Outcome};
pub use registry_api::RegistryApi;
pub use reputation_api::ReputationApi;

// The contracts' own types, re-exported for callers.
pub use escrow::types::{Accounting, Channel, ChannelPage, ClaimOutcome, Config as EscrowConfig};
pub use gb_chain::{AccountId, AccountKey, Balance, Chain, ChainError, Timestamp};
pub use gb_interfaces::{ChannelId, ChannelState, ServiceId, Signer, Voucher, VoucherSignature};
pub use registry::types::{
    Org, RankedEntry, RankedPage, Service, ServicePage, ServiceSpec, ServiceUpdate,
};
pub use reputation::{Params as ReputationParams, Score, ServiceStats};

/// The errors of each contract.
pub mod errors {
    pub use escrow::errors::Error as EscrowError;
    pub use registry::Error as RegistryError;
    pub use reputation::Error as ReputationError;
}
