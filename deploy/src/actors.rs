//! The demo's and the tests' actors: accounts with a transaction key and a voucher key
//! derived from one development secret URI (`//Bob`, …). Real users pass their own
//! keys; these are for dev chains and the in-process chain only.

use gb_chain::{AccountId, AccountKey};
use gb_interfaces::Signer;
use gb_voucher::{VoucherKey, VoucherSigner as _};

/// Reference call price: 10¹⁰ plancks (the reputation default unit).
pub const UNIT: u128 = gb_scoring::DEFAULT_UNIT;

/// A development actor.
#[derive(Clone, Debug)]
pub struct Who {
    /// Display name (the seed).
    pub name: String,
    /// Signs transactions.
    pub key: AccountKey,
    /// Signs vouchers (sr25519 from the same secret URI; ecdsa after
    /// [`Who::with_ecdsa_vouchers`]).
    pub vouchers: VoucherKey,
}

impl Who {
    /// The actor of development seed `seed` (`//seed`).
    pub fn dev(seed: &str) -> Self {
        let suri = format!("//{seed}");
        Who {
            name: seed.to_string(),
            key: AccountKey::dev(seed),
            // `//<seed>` always parses.
            vouchers: VoucherKey::sr25519(&suri).unwrap_or_else(|e| unreachable!("{e}")),
        }
    }

    /// The same actor signing vouchers with its ecdsa key (secp256k1, from the same
    /// secret URI): for an escrow that takes ecdsa vouchers only (`escrow-ecdsa`).
    pub fn with_ecdsa_vouchers(mut self) -> Self {
        // A dev secret URI always parses.
        self.vouchers = VoucherKey::ecdsa(self.key.suri()).unwrap_or_else(|e| unreachable!("{e}"));
        self
    }

    pub fn account(&self) -> AccountId {
        self.key.account_id()
    }

    /// The voucher signer a channel of this actor stores.
    pub fn signer(&self) -> Signer {
        self.vouchers.signer()
    }
}

/// The demo's cast: provider, org member, treasury and the clients. `run` > 0 (a suite
/// that already served a demo) derives fresh provider, member and clients
/// (`//Bob//run<n>`…), so that one-per-epoch rules see new parties.
#[derive(Clone, Debug)]
pub struct Cast {
    pub provider: Who,
    pub member: Who,
    pub treasury: Who,
    pub clients: Vec<Who>,
}

impl Cast {
    pub fn new(n_clients: usize, run: u64) -> Self {
        let names = [
            "Dave", "Eve", "Alice", "Grace", "Heidi", "Ivan", "Judy", "Mallory",
        ];
        let who = |seed: &str| match run {
            0 => Who::dev(seed),
            n => Who::dev(&format!("{seed}//run{n}")),
        };
        let clients = (0..n_clients)
            .map(|i| who(&names.get(i).map_or(format!("client{i}"), |s| s.to_string())))
            .collect();
        Cast {
            provider: who("Bob"),
            member: who("Charlie"),
            treasury: Who::dev("Ferdie"),
            clients,
        }
    }

    /// Everyone, provider first.
    pub fn everyone(&self) -> impl Iterator<Item = &Who> {
        [&self.provider, &self.member, &self.treasury]
            .into_iter()
            .chain(self.clients.iter())
    }
}
