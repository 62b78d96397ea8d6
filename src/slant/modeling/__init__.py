"""The model and everything that defines it: ``SlantConfig`` and ``SlantModel`` (a Hugging Face
``PreTrainedModel``), the sentence and evidence heads, encoder backbones, numeric precision for
inference, saving and loading model directories, and the model card.

Importing this package registers slant with the ``transformers`` Auto classes, so
``AutoModel.from_pretrained(model_dir)`` and ``pipeline("text-classification", model=model_dir)``
give slant's model, with its trained heads.
"""

from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification

from slant.modeling.configuration import SlantConfig
from slant.modeling.model import SlantModel, SlantOutput

AutoConfig.register(SlantConfig.model_type, SlantConfig, exist_ok=True)
AutoModel.register(SlantConfig, SlantModel, exist_ok=True)
AutoModelForSequenceClassification.register(SlantConfig, SlantModel, exist_ok=True)

__all__ = ["SlantConfig", "SlantModel", "SlantOutput"]
