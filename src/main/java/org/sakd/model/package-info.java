/**
 * The model zoo: DJL blocks whose {@code forward(NDList(x))} returns {@code NDList(logits N×K,
 * feature N×D)}.
 *
 * <ul>
 *   <li>{@link org.sakd.model.ModelRegistry#create} builds a network by name; every block
 *       implements {@link org.sakd.model.Classifier} ({@code featureDim}, {@code numClasses},
 *       {@code head}, {@code inputShape}, {@code name}).
 *   <li>Input is always a clip N×3×T×H×W; image networks take T = 1 and squeeze it themselves.
 *   <li>Training without DJL's {@code Trainer}: {@link org.sakd.model.ModelInfo#initialize}
 *       initialises and attaches gradients; run forward with {@code training = true} inside a
 *       {@code GradientCollector}, then update each parameter with {@code requiresGradient()} from
 *       {@code getArray().getGradient()} and clear that gradient — PyTorch accumulates gradients
 *       and DJL's collector does not zero them. The PyTorch engine allows only one open {@code
 *       GradientCollector} per JVM at a time.
 *   <li>{@code training = true} also updates BatchNorm running statistics; teachers and scorers use
 *       {@code training = false}.
 *   <li>Persistence: {@code block.saveParameters(DataOutputStream)} and {@code
 *       block.loadParameters(NDManager, DataInputStream)} round-trip every parameter including
 *       BatchNorm running statistics; {@link org.sakd.model.ModelIO} wraps them with a header and
 *       an atomic write.
 * </ul>
 */
package org.sakd.model;
