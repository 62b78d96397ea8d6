"""From text to scores: the ``Predictor``, sentence segmentation with exact offsets, language
detection, evidence decoding, result types (sentence predictions and article profiles), reading
input files, and the HTML page of a scored article."""
