"""The sound classifier node: each take scored by the classifier (in a process of its own by default) and pooled
into top-k labels; the confidence gate and the slot map that follow it are in :mod:`.classify`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from exsampling_patch.messages import Prediction, Score, Take
from exsampling_patch.models.features import CLASSIFIED_SECONDS
from exsampling_patch.node import Input, Node, Output, Param
from exsampling_patch.ports import PREDICTION, TAKE

if TYPE_CHECKING:
    from exsampling_patch.models.classifier import Classifier
    from exsampling_patch.models.process import ClassifierProcess

# The classifier's window and pooling choices (exsampling_patch.models.classifier.WINDOWS / POOLINGS),
# repeated here so that listing the nodes does not import torch; a test keeps them equal.
WINDOWS = ("whole", "1s", "2s", "4s")
POOLINGS = ("mean", "max", "vote")


class SoundClassifier(Node):
    """Classify each take with the sound classifier: every window is scored and pooled into top-k labels."""

    type_name = "classifier"
    family = "classify"

    take = Input(TAKE, "takes to classify (any sample rate, mono or multichannel)", multiple=True)
    prediction = Output(PREDICTION, "top-k labels with probabilities, or an explicit 'nothing to classify'")

    model = Param("path", "", "a model file from `.venv/bin/exsampling train`; empty: the shipped model "
                  "(everyday and musical sounds)", path_kind="file")
    window = Param(str, "whole", "windows scored across the (loudest span of the) take: whole scored best on "
                   "ESC-50 fold 4 and on 10 s takes (models/MODEL_CARD.md)", choices=WINDOWS)
    pooling = Param(str, "mean", "how the windows' scores are pooled", choices=POOLINGS)
    top_k = Param(int, 5, "how many labels to pass on", minimum=1, maximum=50)
    max_seconds = Param(float, CLASSIFIED_SECONDS, "score the take's loudest span of this length (3.84 s: what the "
                        "shipped head was trained on); 0: all of it", minimum=0.0, maximum=600.0, unit="s")
    threads = Param(int, 1, "CPU threads for inference: one leaves the other cores to the audio "
                    "(models/MODEL_CARD.md has why)", minimum=1, maximum=16)
    own_process = Param(bool, True, "classify in a process of its own: the other nodes' Python never holds it "
                        "up, the patch's process never loads torch, and a crash there is survived (the process "
                        "is started again and the take sent again)")

    hang_after = Param(float, 60.0, "seconds one take may take before the node is reported as hung (the rest "
                       "of the patch goes on); long: a crashed process is started again within it", minimum=0.1,
                       maximum=3600.0, unit="s")

    _classifier: Classifier | ClassifierProcess | None = None
    #: Why its start() failed, the model named as the patch names it; said again to each take that comes
    _not_started = ""

    def prepare(self) -> None:
        if self.own_process:  # the process loads the model while the patch's other nodes start
            from exsampling_patch.models.process import ClassifierProcess

            path = self.resolve_path(self.model) if self.model else None
            self._classifier = ClassifierProcess(path, threads=self.threads, warm_up=self._scoring(),
                                                 on_restart=self.report_error)

    def _scoring(self) -> dict[str, Any]:
        """The options of every inference, the warm-up's included."""
        return {"window": self.window, "pooling": self.pooling, "max_seconds": self.max_seconds}

    def start(self) -> None:
        from exsampling_patch.models.model_header import ModelFileError
        from exsampling_patch.models.process import ClassifierProcessError

        try:
            self._start()
        except Exception as error:
            # Said again to each take that comes all the same (the engine still hands it its takes)
            self._not_started = self._as_named(str(error) or "it gave no reason")
            if not isinstance(error, (ModelFileError, ClassifierProcessError)):
                raise
            # Named as the patch names the model, as check, run's summary and classify --patch name it (735e4a9):
            # the console's "error in node 'clf' in start()" told the absolute path the node loads.
            if self._not_started == str(error):
                raise
            raise type(error)(self._not_started) from error

    def _as_named(self, said: str) -> str:
        from exsampling_patch.path_checks import as_named

        if not self.model:
            return said
        return as_named(said, self.model, self.resolve_path(self.model), self.context.base_dir) or said

    def _start(self) -> None:
        from exsampling_patch.models.process import ClassifierProcess, ClassifierProcessError, missing_package
        from exsampling_patch.models.warm_up import warm_up

        if self.own_process:
            if self._classifier is None:
                self.prepare()
            assert isinstance(self._classifier, ClassifierProcess)
            try:
                self._classifier.wait_ready()
            except ClassifierProcessError:
                if self.stop_event.is_set():  # stopped while the model loaded (Ctrl+C during start-up): no error
                    return
                raise
            self._tell_span(self._classifier.meta)
            return
        path = self.resolve_path(self.model) if self.model else None
        try:
            from exsampling_patch.models import load_classifier

            self._classifier = load_classifier(path, threads=self.threads)
        except ModuleNotFoundError as error:  # the words of the classifier's own process, for the same cause
            told = missing_package(error)
            if told is error:
                raise
            raise told from error
        warm_up(self._classifier, self._scoring())
        self._tell_span(self._classifier.meta)

    def _tell_span(self, meta: dict[str, Any]) -> None:
        """A warning, once at start, where the node scores another span than its model's head was trained on
        (``exsampling check`` warns of it on the ``max_seconds`` line): a model trained on 5 s before 3039502a was
        scored on 3.84 s without a word, and misheard takes more often."""
        from exsampling_patch.models.features import scores_other_span, trained_span

        trained = trained_span(meta)
        if not scores_other_span(self.max_seconds, trained):
            return
        model = f"its model '{self.model}'" if self.model else "the shipped model"
        # retrained, it fits the default span (the span `exsampling train` trains on); the shipped one is not retrained
        default_span = not scores_other_span(self.max_seconds, CLASSIFIED_SECONDS)
        retrain = ", or retrain it" if self.model and default_span else ""
        self.report_status(warning=f"it scores each take's loudest {self.max_seconds:g} s, and {model} was trained "
                           f"on the loudest {trained:g} s, so takes are misheard more often: set max_seconds: "
                           f"{trained:g} for this model{retrain}")

    def stop(self) -> None:
        from exsampling_patch.child_process import STOP_ANSWER_SECONDS, hung_at_stop
        from exsampling_patch.models.process import ClassifierProcess

        self.stop_event.set()  # before the process ends: a take it cuts off is the stop's, not an error (on_take)
        if isinstance(self._classifier, ClassifierProcess) and not self._classifier.stop():
            self.report_status(warning=hung_at_stop("the classifier's process", STOP_ANSWER_SECONDS))
        super().stop()

    def on_take(self, take: Take) -> None:
        try:
            if self._classifier is None:  # its start() failed in the patch's process: no classifier to ask
                raise RuntimeError(self._not_started or "no classifier loaded")
            result = self._classifier.predict(take.samples, take.sample_rate, top_k=self.top_k, **self._scoring())
        except Exception as error:
            if self.stop_event.is_set():
                raise  # the patch stops under it: the runtime redoes the take at the next start, no error of the show
            # The take still gets its prediction, an explicit "error in clf: ...": the gate turns it down with that
            # reason, a slot map waiting for it lets its take go, and the phone is told. In words: the performer read
            # "error in clf: ClassifierProcessError: ...", a Python class name, and the model's absolute path.
            told = self._failed_words(error)
            why = f"error in {self.node_id}: {told}"
            self.report_error(told)  # the console says "error in node 'clf': " before it
            self.tell_fate(take, "error", why)
            self.emit("prediction", Prediction(take, (), why))
            return
        scores = tuple(Score(label, probability) for label, probability in result.top)
        meta = {"classified_ms": result.seconds * 1e3, "classified_span_s": [round(t, 4) for t in result.span]}
        prediction = Prediction(take.derive(meta=meta), scores, result.reason)
        self.report_status(take=take.take_id, label=prediction.label or "nothing", confidence=prediction.confidence,
                           **take.latency_status())
        self.emit("prediction", prediction)

    def _failed_words(self, error: Exception) -> str:
        """What failed on a take, what becomes of it and what the performer can do, the model named as the patch
        names it: the process says its model's problem again to each take after its start failed (or after a crash,
        where the process started again could not load it), with the absolute path."""
        from exsampling_patch.models.process import ClassifierProcess

        said = self._as_named(str(error) or "it gave no reason")
        if said == self._not_started:
            return f"not classified, the classifier did not start ({said}): no take gets a slot until the patch " \
                "is started again"
        if isinstance(self._classifier, ClassifierProcess) and self._classifier.pid is None:  # ended for good
            return f"not classified, the classifier stopped ({said}): no take gets a slot until the patch is " \
                "started again"
        return f"not classified, the classifier failed on this take ({said}): it goes to no slot; record it again"
