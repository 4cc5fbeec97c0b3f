"""Near-duplicate items collapse into stories: MinHash LSH finds candidates, `fingerprint` decides.

For each new item:
1. its word 3-grams that are still *rare* (seen in fewer than `common_after` stories) are
   MinHashed; the stories of earlier items that share a band with it are the candidates, ranked
   by the (band, item) pairs they share (the LSH buckets count items per story, so a story told
   a hundred times costs one entry per band), with the stories that share one of its rare
   sentences exactly;
2. the item is compared (`fingerprint.similarity`, worked out by `story_match.ItemComparison`,
   which skips a story none of whose sentences overlaps the item's and a variant that cannot
   reach the threshold) with a few kept variants of each candidate story; sentences seen in
   `common_after` stories or more count as boilerplate;
3. at `threshold` or above it joins the best story, otherwise it starts one (the similarity
   reported is the best one found at the threshold or above, else 0).

The MinHash of an item, cut into band keys, is computed once for looking up and indexing it, and
remembered by its rare shingles (`MAX_REMEMBERED_SIGNATURES`): republished copies have the same.
Stories keep their items' sentences (shared with every item of the same text, `text.chunks`), not
their tokens, and the distinct forms among their kept variants; a form already scored for an item
(in any story) is not scored again, since the best similarity found can only have grown since.

Memory is bounded: items older than `horizon` (event time) leave the index, and with them the
stories nobody added to since; the rarity counters are LRU-bounded. `restore` replays a stored
item into the index without deciding anything, so a restarted service continues where it was.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain

from presscenter.monitoring.analysis.fingerprint import Fingerprint
from presscenter.monitoring.analysis.minhash import BandKeys, GroupedLshIndex, MinHasher, Signature
from presscenter.monitoring.analysis.story_match import ItemComparison
from presscenter.monitoring.text.sentences import Sentence

MAX_REMEMBERED_SIGNATURES = 2048


@dataclass(frozen=True)
class StorySettings:
    threshold: float = 0.75
    common_after: int = 3
    num_perm: int = 64
    bands: int = 32
    variants_kept: int = 4
    max_candidates: int = 40
    horizon: timedelta = timedelta(hours=72)
    max_tracked_features: int = 500_000


@dataclass(frozen=True)
class Assignment:
    story_id: str
    is_new: bool
    similarity: float


class StoryCounter:
    """For each feature (a sentence or shingle hash), the stories it was seen in, up to `cap`; LRU-bounded.

    The stories are kept as a tuple (there are at most `cap`), which the garbage collector skips.
    The features seen in `cap` stories are also kept as a set (`full`), so that the hot loops ask
    "common?" with one set operation instead of a lookup and a length per feature."""

    def __init__(self, cap: int, max_entries: int):
        if cap < 1:
            raise ValueError("cap must be at least 1")
        self.cap = cap
        self.max_entries = max_entries
        self._seen: OrderedDict[int, tuple[str, ...]] = OrderedDict()
        self._full: set[int] = set()

    @property
    def seen(self) -> Callable[[int, tuple[str, ...]], tuple[str, ...]]:
        """`dict.get` of the stories seen with each feature (for loops that look many up)."""
        return self._seen.get

    @property
    def full(self) -> set[int]:
        """The features seen in `cap` stories (read only)."""
        return self._full

    def stories(self, feature: int) -> tuple[str, ...]:
        return self._seen.get(feature, ())

    def count(self, feature: int) -> int:
        return len(self._seen.get(feature, ()))

    def common(self, limit: int) -> Callable[[Sentence], bool]:
        """Whether a sentence was seen in `limit` stories or more."""
        if limit == self.cap:
            full = self._full
            return lambda sentence: sentence.hash in full
        get = self._seen.get
        return lambda sentence: len(get(sentence.hash, ())) >= limit

    def below(self, features: Iterable[int], limit: int) -> list[int]:
        """The features seen in fewer than `limit` stories."""
        if limit == self.cap:
            full = self._full
            return [f for f in features if f not in full]
        seen = self._seen
        return [f for f in features if len(seen.get(f, ())) < limit]

    def add(self, feature: int, story_id: str) -> None:
        self.add_all((feature,), story_id)

    def add_all(self, features: Iterable[int], story_id: str) -> None:
        seen, cap, full = self._seen, self.cap, self._full
        for feature in features:
            stories = seen.get(feature)
            if stories is None:
                seen[feature] = (story_id,)
                if cap == 1:
                    full.add(feature)
                if len(seen) > self.max_entries:
                    dropped, gone = seen.popitem(last=False)
                    if len(gone) >= cap:
                        full.discard(dropped)
                continue
            seen.move_to_end(feature)
            if len(stories) < cap and story_id not in stories:
                seen[feature] = (*stories, story_id)
                if len(stories) + 1 == cap:
                    full.add(feature)

    def __len__(self) -> int:
        return len(self._seen)


@dataclass
class _Story:
    """The first item kept, the latest `variants_kept` after it, and `forms`: those with distinct
    body and title (by sentence identity), first first, in the order they are compared."""

    variants: deque[Fingerprint]
    last_seen: datetime
    first: Fingerprint
    items_indexed: int = 0
    forms: tuple[Fingerprint, ...] = ()

    def __post_init__(self) -> None:
        self.keep(None)

    def keep(self, variant: Fingerprint | None) -> None:
        """Add `variant` (if any) to the variants, and work out the distinct forms again."""
        if variant is not None:
            self.variants.append(variant)
        forms: dict[tuple[tuple[Sentence, ...], tuple[Sentence, ...]], Fingerprint] = {}
        for kept in (self.first, *self.variants):
            forms.setdefault((kept.body, kept.title), kept)
        self.forms = tuple(forms.values())


class StoryClusterer:
    def __init__(self, settings: StorySettings | None = None):
        self.settings = s = settings or StorySettings()
        self.hasher = MinHasher(s.num_perm)
        self.lsh: GroupedLshIndex[int] = GroupedLshIndex(s.num_perm, s.bands)
        self.sentence_stories = StoryCounter(s.common_after, s.max_tracked_features)
        self.shingle_stories = StoryCounter(s.common_after, s.max_tracked_features)
        self._stories: dict[str, _Story] = {}
        self._item_story: dict[int, str] = {}
        self._timeline: deque[tuple[datetime, int]] = deque()
        self._next_key = 0
        self._now: datetime | None = None
        self._last_bands: tuple[Fingerprint, BandKeys] | None = None  # the band keys of the last item
        # rare shingles -> their signature (read only) and its band keys, oldest first
        self._signatures: dict[frozenset[int], tuple[Signature, BandKeys]] = {}

    # --- reading ------------------------------------------------------------------------------

    def __len__(self) -> int:
        """Stories held in memory."""
        return len(self._stories)

    @property
    def indexed_items(self) -> int:
        return len(self._item_story)

    def is_common(self, sentence: Sentence) -> bool:
        return sentence.hash in self.sentence_stories.full

    def _rare_shingles(self, fp: Fingerprint) -> frozenset[int]:
        # a set difference, in C (the MinHash is a minimum: the order of the shingles does not matter)
        return fp.shingles - self.shingle_stories.full or fp.shingles

    def signature(self, shingles: frozenset[int]) -> tuple[Signature, BandKeys]:
        """The MinHash of `shingles` (read only) and its band keys, remembered for the latest
        `MAX_REMEMBERED_SIGNATURES` sets computed (first in, first out)."""
        known = self._signatures.get(shingles)
        if known is not None:
            return known
        signature = self.hasher.signature(shingles)
        signature.setflags(write=False)  # shared by every item with these shingles
        known = self._signatures[shingles] = (signature, self.lsh.band_keys(signature))
        if len(self._signatures) > MAX_REMEMBERED_SIGNATURES:
            del self._signatures[next(iter(self._signatures))]
        return known

    def _band_keys(self, fp: Fingerprint) -> BandKeys:
        """The band keys of the MinHash of the item's rare shingles (worked out once between
        looking up and indexing)."""
        if self._last_bands is not None and self._last_bands[0] is fp:
            return self._last_bands[1]
        bands = self.signature(self._rare_shingles(fp))[1]
        self._last_bands = (fp, bands)
        return bands

    def candidates(self, fp: Fingerprint) -> list[str]:
        """Stories worth comparing with `fp`, the ones with most shared LSH bands first."""
        votes = self.lsh.votes(self._band_keys(fp))
        full, seen = self.sentence_stories.full, self.sentence_stories.seen
        for sentence in fp.body:
            if sentence.hash not in full:
                for story in seen(sentence.hash, ()):
                    votes[story] = votes.get(story, 0) + 2
        stories = self._stories
        ranked = [s for s in votes if s in stories]
        ranked.sort(key=votes.__getitem__, reverse=True)  # most votes first; a stable sort keeps equals in order
        return ranked[: self.settings.max_candidates]

    def best_match(self, fp: Fingerprint) -> tuple[str | None, float]:
        """The candidate story most similar to `fp` at `threshold` or above, with its similarity,
        or (None, 0.0). Variants that cannot reach the threshold or beat the best are not scored."""
        best_story, best_score = None, 0.0
        full = self.sentence_stories.full
        item = ItemComparison(fp, self.sentence_stories.common(self.settings.common_after))
        threshold = self.settings.threshold
        # a form with the very sentences and title of one already scored, in this story or an
        # earlier one, scores the same and cannot beat the best (republished copies differ in
        # boilerplate only, which `bodies` leaves out)
        scored: set[tuple[tuple[Sentence, ...], tuple[Sentence, ...]]] = set()
        for story_id in self.candidates(fp):
            forms = self._stories[story_id].forms
            # `uncommon(v.body, is_common)`, inlined: this runs for every form of every candidate
            bodies = [[s for s in v.body if s.hash not in full] or list(v.body) for v in forms]
            if not item.overlaps_any(chain.from_iterable(bodies)):
                continue  # nothing in common: every variant scores 0
            for variant, body in zip(forms, bodies, strict=True):
                same = (tuple(body), variant.title)
                if same in scored:
                    continue
                scored.add(same)
                score = item.similarity(variant, body, threshold, best_score)
                if score is not None and score > best_score:
                    best_story, best_score = story_id, score
            if best_score >= 1.0:
                break
        return best_story, best_score

    # --- changing -----------------------------------------------------------------------------

    def assign(self, fp: Fingerprint, at: datetime, new_story_id: str) -> Assignment:
        """Put the item in its story, or in a new one named `new_story_id`."""
        self._advance(at)
        story_id, score = self.best_match(fp)
        if story_id is None or score < self.settings.threshold:
            story_id, is_new = new_story_id, True
        else:
            is_new = False
        self._index(fp, at, story_id)
        return Assignment(story_id, is_new, round(score, 4))

    def restore(self, fp: Fingerprint, at: datetime, story_id: str) -> None:
        """Index an item already assigned to `story_id` (replaying stored state after a restart)."""
        self._advance(at)
        self._index(fp, at, story_id)

    def _index(self, fp: Fingerprint, at: datetime, story_id: str) -> None:
        story = self._stories.get(story_id)
        kept = fp.without_tokens()
        if story is None:
            story = self._stories[story_id] = _Story(deque(maxlen=self.settings.variants_kept), at, kept)
        else:
            story.keep(kept)
        story.last_seen = max(story.last_seen, at)
        story.items_indexed += 1
        key = self._next_key
        self._next_key += 1
        self.lsh.insert(key, story_id, self._band_keys(fp))
        self._last_bands = None
        self._item_story[key] = story_id
        self._timeline.append((at, key))
        self.sentence_stories.add_all([s.hash for s in fp.body], story_id)
        self.shingle_stories.add_all(fp.shingles, story_id)

    def _advance(self, at: datetime) -> None:
        """Move the clock to `at` (event time, never backwards) and forget what fell out of the horizon."""
        if self._now is None or at > self._now:
            self._now = at
        cutoff = self._now - self.settings.horizon
        while self._timeline and self._timeline[0][0] < cutoff:
            _at, key = self._timeline.popleft()
            self.lsh.remove(key)
            story_id = self._item_story.pop(key, None)
            story = self._stories.get(story_id) if story_id else None
            if story is not None:
                story.items_indexed -= 1
                if story.items_indexed <= 0 and story.last_seen < cutoff:
                    del self._stories[story_id]  # type: ignore[arg-type]
