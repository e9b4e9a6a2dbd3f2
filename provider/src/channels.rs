//! The channel cache: every channel the gateway has seen, with its chain facts and
//! ledger. A channel is read from the chain once, on first sight (a dry run of
//! escrow's `channel`, one read per id however many requests ask at once); after that
//! the event follower keeps it current. Channels loaded from the store at a restart,
//! and all channels after a gap in the event stream, are re-read once before their
//! next voucher. No paid request waits on the chain otherwise.

use crate::channel::{ChannelEntry, ChannelState, LedgerValues, OnChain};
use crate::store::{Op, Store, StoreError};
use crate::writer::Writer;
use gb_chain::Chain;
use gb_client::{Client, ClientError};
use gb_interfaces::ChannelId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// The client the gateway reads and claims with.
pub type ChainClient = Client<Arc<dyn Chain>>;

/// How long "escrow has no such channel" is remembered (ids are not guessed on chain
/// again and again; a channel opened meanwhile is seen by its event).
const NEGATIVE_TTL: Duration = Duration::from_secs(2);
/// Most remembered unknown ids.
const NEGATIVE_MAX: usize = 10_000;

/// Why a channel could not be had.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("escrow has no channel {0}")]
    NotFound(ChannelId),
    #[error("reading channel {id} from the chain: {source}")]
    Chain {
        id: ChannelId,
        #[source]
        source: ClientError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The cache.
pub struct ChannelCache {
    map: RwLock<HashMap<ChannelId, Arc<ChannelEntry>>>,
    loading: Mutex<HashMap<ChannelId, Arc<tokio::sync::Mutex<()>>>>,
    unknown: Mutex<HashMap<ChannelId, Instant>>,
    client: Arc<ChainClient>,
    store: Arc<dyn Store>,
    writer: Writer,
    rate: u32,
}

impl ChannelCache {
    /// An empty cache; `rate`: each channel's rate limit (calls per second, 0: none).
    pub fn new(client: Arc<ChainClient>, store: Arc<dyn Store>, writer: Writer, rate: u32) -> Self {
        ChannelCache {
            map: RwLock::new(HashMap::new()),
            loading: Mutex::new(HashMap::new()),
            unknown: Mutex::new(HashMap::new()),
            client,
            store,
            writer,
            rate,
        }
    }

    /// Adds the channels a store holds (at start): their facts are re-read before
    /// their next voucher, since events were missed while the gateway was down.
    pub async fn load_from_store(&self) -> Result<usize, StoreError> {
        let stored = self.store.channels().await?;
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        let mut n = 0;
        for c in stored {
            if let Some(chain) = c.chain {
                let mut state = ChannelState::new(chain, c.ledger, self.rate);
                state.chain_fresh = false;
                map.insert(c.id, Arc::new(ChannelEntry::new(c.id, state)));
                n += 1;
            }
        }
        Ok(n)
    }

    /// The cached entry, if any (no chain read).
    pub fn cached(&self, id: ChannelId) -> Option<Arc<ChannelEntry>> {
        self.map
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned()
    }

    /// How many channels are cached.
    pub fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// True if none are.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The channel, read from the chain on first sight, re-read or reloaded if stale.
    pub async fn get(&self, id: ChannelId) -> Result<Arc<ChannelEntry>, LookupError> {
        if let Some(entry) = self.cached(id) {
            self.refresh(&entry).await?;
            return Ok(entry);
        }
        self.check_unknown(id)?;
        // One chain read per id, however many requests ask at once.
        let gate = {
            let mut loading = self.loading.lock().unwrap_or_else(|p| p.into_inner());
            loading.entry(id).or_default().clone()
        };
        let _turn = gate.lock().await;
        let result = self.first_sight(id).await;
        self.loading
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
        result
    }

    fn check_unknown(&self, id: ChannelId) -> Result<(), LookupError> {
        let mut unknown = self.unknown.lock().unwrap_or_else(|p| p.into_inner());
        match unknown.get(&id) {
            Some(at) if at.elapsed() < NEGATIVE_TTL => Err(LookupError::NotFound(id)),
            Some(_) => {
                unknown.remove(&id);
                Ok(())
            }
            None => Ok(()),
        }
    }

    async fn first_sight(&self, id: ChannelId) -> Result<Arc<ChannelEntry>, LookupError> {
        if let Some(entry) = self.cached(id) {
            return Ok(entry);
        }
        let chain = self.read_chain(id).await?;
        let ledger = self
            .store
            .channel(id)
            .await?
            .map(|c| c.ledger)
            .unwrap_or_default();
        let entry = Arc::new(ChannelEntry::new(
            id,
            ChannelState::new(chain.clone(), ledger, self.rate),
        ));
        self.map
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, entry.clone());
        // Recorded for the claimer and the next start; nobody waits for it.
        drop(self.writer.send(Op::Channel { channel: id, chain }, None));
        Ok(entry)
    }

    async fn read_chain(&self, id: ChannelId) -> Result<OnChain, LookupError> {
        let found = self
            .client
            .query(self.client.escrow().channel(id))
            .await
            .map_err(|source| LookupError::Chain { id, source })?;
        match found {
            Some(c) => Ok(OnChain::from(&c)),
            None => {
                let mut unknown = self.unknown.lock().unwrap_or_else(|p| p.into_inner());
                if unknown.len() >= NEGATIVE_MAX {
                    unknown.clear();
                }
                unknown.insert(id, Instant::now());
                Err(LookupError::NotFound(id))
            }
        }
    }

    /// Re-reads the chain facts or reloads the ledger of `entry` if they may be stale.
    async fn refresh(&self, entry: &Arc<ChannelEntry>) -> Result<(), LookupError> {
        let (chain_fresh, ledger_fresh) = {
            let s = entry.lock();
            (s.chain_fresh, s.ledger_fresh)
        };
        if !chain_fresh {
            let chain = self.read_chain(entry.id).await?;
            let mut s = entry.lock();
            s.chain = chain.clone();
            s.chain_fresh = true;
            drop(s);
            drop(self.writer.send(
                Op::Channel {
                    channel: entry.id,
                    chain,
                },
                None,
            ));
        }
        if !ledger_fresh {
            self.reload(entry).await?;
        }
        Ok(())
    }

    /// Takes the store's ledger of `entry` (after a failed write, or when another
    /// replica may have moved it).
    pub async fn reload(&self, entry: &Arc<ChannelEntry>) -> Result<(), LookupError> {
        let stored = self.store.channel(entry.id).await?;
        let values = stored.map(|c| c.ledger).unwrap_or_default();
        entry.lock().reload(values);
        Ok(())
    }

    /// Marks every cached channel's facts as possibly stale (a gap in the events).
    pub fn mark_all_stale(&self) {
        for e in self.map.read().unwrap_or_else(|p| p.into_inner()).values() {
            e.lock().chain_fresh = false;
        }
    }

    /// Updates a cached channel's facts with `f` (an event), returning the new facts
    /// to record; `None` if the channel is not cached (nobody asked for it yet).
    pub fn update(&self, id: ChannelId, f: impl FnOnce(&mut OnChain)) -> Option<OnChain> {
        let entry = self.cached(id)?;
        let mut s = entry.lock();
        f(&mut s.chain);
        Some(s.chain.clone())
    }

    /// Adds a channel from its opening event (no chain read needed).
    pub fn insert_opened(&self, id: ChannelId, chain: OnChain) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        map.entry(id).or_insert_with(|| {
            Arc::new(ChannelEntry::new(
                id,
                ChannelState::new(chain, LedgerValues::default(), self.rate),
            ))
        });
        self.unknown
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }
}
