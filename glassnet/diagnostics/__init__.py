"""Glass-box diagnostics: what the gradients and activations of a network do while it
trains, and what a trained network looks at.

``callbacks.GradientMonitor`` measures, on a few sampled training batches, three things
per layer; ``saliency`` and ``feature_maps`` look inside a trained network.  The package:

    records     the quantities and the ``Diagnostics`` record GradientMonitor fills
    saliency    saliency(model, x, class_index), feature_maps(model, x)
    plots       plots of a training run (gradient norms, activations, learning curves)
    images      plots of images: grids, confusion matrix, filters, feature maps, saliency

Every name is importable from ``glassnet.diagnostics`` itself.

Equations (layer l with weights w_l = all its trainable arrays taken together,
g_l = dL/dw_l the gradient of the batch loss L, a_l the layer's output on the batch,
w_l and w_l' the weights before and after the optimizer step):

    grad_norm_l     = ||g_l||_2 = sqrt(sum g_l^2)
    update_ratio_l  = ||w_l' - w_l||_2 / ||w_l||_2          (plain SGD: ||eta * g_l|| / ||w_l||)
    activation_mean_l           = mean(a_l)
    activation_std_l            = std(a_l)                  (population std: divide by n)
    activation_zero_fraction_l  = #(a_l == 0) / n

Why they matter:
    * Vanishing / exploding gradients.  Backpropagation multiplies the gradient by each
      layer's Jacobian on its way to the input: delta_{l-1} = W_l^T (delta_l * f'(z_l)).
      With sigmoid units f' <= 1/4, so with a naive initialization the norms shrink layer
      after layer toward the input (the lower layers barely learn); with too large weights
      they grow (explode).  Plot grad_norm per layer on a log scale: a healthy network
      has norms of the same order in every layer (He/Glorot initialization, ReLU-like
      activations and BatchNormalization are the lecture's cures).
    * The update-to-weight ratio tells how fast each layer's weights really move.  The
      usual rule of thumb: about 1e-3 is healthy; much lower (1e-6) and the layer is
      frozen in practice (learning rate too small, or vanishing gradients); much higher
      (1e-1) and training is unstable.
    * Dead ReLUs: a ReLU unit whose input is negative for every example outputs 0 and
      gets no gradient, so it never recovers.  The fraction of exactly-zero outputs shows
      them: about 0.5 is normal for ReLU, near 1 means most of the layer is dead.  The
      mean and std show saturation (sigmoid outputs stuck near 0 or 1) and the drift of
      the activations' scale from layer to layer that BatchNormalization removes.

Saliency (Simonyan, Vedaldi & Zisserman 2013, "Deep Inside Convolutional Networks"):
for an input x and a class c with score S_c(x) (the logit, before the softmax),

    M(x) = |dS_c / dx|                  one value per input entry, the shape of x

the first-order answer to "which pixels would change the class score most if they
changed a little".  Feature maps are the outputs a_l of a convolution block for one
image, one (H, W) picture per channel: what each filter responds to, and where.

The plotting functions need matplotlib (``pip install 'glassnet[plot]'``).  They draw on
a ``matplotlib.figure.Figure`` of their own (no pyplot, no GUI, no global state: they
work on a machine without a display and in loops that make hundreds of plots) and
return it: ``fig.savefig("norms.png")``; a notebook shows a returned Figure as an image.
Pass ``ax=`` to draw into an axes of your own figure instead.
"""

from glassnet.diagnostics.images import (
    plot_confusion_matrix,
    plot_feature_maps,
    plot_filters,
    plot_image_grid,
    plot_saliency,
)
from glassnet.diagnostics.plots import (
    plot_accuracy_vs_time,
    plot_activation_stats,
    plot_comparison,
    plot_gradient_norms,
    plot_gradient_norms_by_layer,
    plot_history,
)
from glassnet.diagnostics.records import (
    ACTIVATION_FIELDS,
    GRADIENT_FIELDS,
    Diagnostics,
    activation_stats,
    gradient_norm,
    update_ratio,
)
from glassnet.diagnostics.saliency import feature_maps, saliency

__all__ = [
    "ACTIVATION_FIELDS",
    "GRADIENT_FIELDS",
    "Diagnostics",
    "activation_stats",
    "feature_maps",
    "gradient_norm",
    "plot_accuracy_vs_time",
    "plot_activation_stats",
    "plot_comparison",
    "plot_confusion_matrix",
    "plot_feature_maps",
    "plot_filters",
    "plot_gradient_norms",
    "plot_gradient_norms_by_layer",
    "plot_history",
    "plot_image_grid",
    "plot_saliency",
    "saliency",
    "update_ratio",
]
