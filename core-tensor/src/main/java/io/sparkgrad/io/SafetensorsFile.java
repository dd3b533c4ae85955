package io.sparkgrad.io;

import io.sparkgrad.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The content of a safetensors file: its tensors in file order and its {@code __metadata__} strings (empty when the
 * file has none).
 */
public record SafetensorsFile(LinkedHashMap<String, Tensor> tensors, Map<String, String> metadata) {
}
