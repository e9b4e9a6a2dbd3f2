//! Errors of the SDK. Each variant says what happened and what to do; a caller matches
//! on them (a budget refusal, an impostor gateway, a gateway problem by its type).

use crate::budget::BudgetError;
use crate::ledger::LedgerError;
use crate::store::StoreError;
use crate::wire::{Problem, ProblemKind};
use gb_interfaces::ServiceId;

/// Why an agent operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The budget policy refused the call; nothing was signed or sent.
    #[error("budget: {0}")]
    Budget(#[from] BudgetError),
    /// The gateway's challenge does not match the service's registry entry or this
    /// deployment: nothing was paid.
    #[error(
        "refusing to pay service {service_id} at {endpoint}: its challenge's {field} is \
         {got}, but {expected_from} says {expected}"
    )]
    Impostor {
        service_id: ServiceId,
        endpoint: String,
        field: &'static str,
        got: String,
        expected: String,
        expected_from: &'static str,
    },
    /// The gateway refused the payment or the call (a problem document).
    #[error("gateway of service {service_id}: {} ({}, {status}){}", .problem.title, .problem.type_uri, .problem.detail.as_ref().map(|d| format!(": {d}")).unwrap_or_default())]
    Gateway {
        service_id: ServiceId,
        status: u16,
        /// The problem's kind, `None` for a type this client does not know.
        kind: Option<ProblemKind>,
        problem: Box<Problem>,
    },
    /// The gateway cannot be reached (after the retries).
    #[error("cannot reach the gateway of service {service_id} at {endpoint} after {attempts} attempts: {reason}")]
    Unreachable {
        service_id: ServiceId,
        endpoint: String,
        attempts: u32,
        reason: String,
    },
    /// The gateway's answer breaks the protocol.
    #[error("gateway of service {service_id}: {reason}")]
    Protocol {
        service_id: ServiceId,
        reason: String,
    },
    /// The deployment file or its escrow is for another chain than the one reached:
    /// the file's genesis hash, or escrow's `config().genesis_hash` (the chain its
    /// vouchers, v2, sign), is not the connected chain's. Vouchers signed here would not
    /// be claimable (or an escrow trusting another chain's hash would take that chain's
    /// vouchers): nothing is opened or signed.
    #[error(
        "{what} is for the chain with genesis {got}, but the chain reached is {chain}: \
         check the node URL and the deployment file"
    )]
    WrongChain {
        what: &'static str,
        got: String,
        chain: String,
    },
    /// The escrow refuses this voucher key's scheme: it is the production build
    /// (`escrow-ecdsa`, for chains without `sr25519_verify`), which accepts ecdsa
    /// channels only. Use an ecdsa key ([`crate::voucher_key_for`] picks the scheme the
    /// escrow accepts; `gb --voucher-scheme ecdsa`).
    #[error(
        "this escrow accepts {accepted} voucher keys only (config().sr25519_vouchers is \
         false: the escrow-ecdsa build), not {got}: use an ecdsa voucher key \
         (gb --voucher-scheme ecdsa, or gb_agent::voucher_key_for)"
    )]
    VoucherScheme {
        got: &'static str,
        accepted: &'static str,
    },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Client(#[from] gb_client::ClientError),
    #[error(transparent)]
    Chain(#[from] gb_chain::ChainError),
    /// No service of that id, or it is delisted.
    #[error("service {0} is not listed in the registry (unknown, deleted or delisted)")]
    NoService(ServiceId),
    /// No service of a tag is eligible.
    #[error(
        "no service under tag `{tag}` fits (none listed, all above the price limit or excluded)"
    )]
    NoCandidate { tag: String },
    /// No channel of the agent with that id.
    #[error("channel {0} is not one of this agent's channels")]
    NoChannel(u64),
    /// A channel that cannot be rated.
    #[error("{0}")]
    NotRatable(String),
    /// A voucher key that cannot be made from its secret URI.
    #[error("voucher key: {0}")]
    VoucherKey(#[from] gb_voucher::KeyError),
    /// A request the SDK cannot send (bad URL, header…).
    #[error("request: {0}")]
    Request(String),
}

impl AgentError {
    /// The budget refusal, if that is what it is.
    pub fn budget(&self) -> Option<&BudgetError> {
        match self {
            AgentError::Budget(b) => Some(b),
            _ => None,
        }
    }

    /// True if the gateway's challenge was refused as an impostor's.
    pub fn is_impostor(&self) -> bool {
        matches!(self, AgentError::Impostor { .. })
    }
}
