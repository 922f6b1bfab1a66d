"""Layers: the building blocks of models (``keras.layers``)."""
from glassnet.layers.activation import Activation
from glassnet.layers.alpha_dropout import AlphaDropout
from glassnet.layers.batch_normalization import BatchNormalization
from glassnet.layers.cropping2d import Cropping2D
from glassnet.layers.dense import Dense
from glassnet.layers.dropout import Dropout
from glassnet.layers.elu import ELU
from glassnet.layers.flatten import Flatten
from glassnet.layers.gaussian_noise import GaussianNoise
from glassnet.layers.input_layer import Input, InputLayer
from glassnet.layers.keras_tensor import KerasTensor
from glassnet.layers.lambda_layer import Lambda
from glassnet.layers.layer import Layer
from glassnet.layers.leaky_relu import LeakyReLU
from glassnet.layers.merging import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    maximum,
    minimum,
    multiply,
    subtract,
)
from glassnet.layers.normalization import Normalization
from glassnet.layers.prelu import PReLU
from glassnet.layers.relu import ReLU
from glassnet.layers.rescaling import Rescaling
from glassnet.layers.reshape import Reshape
from glassnet.layers.softmax import Softmax
from glassnet.layers.spatial_dropout2d import SpatialDropout2D
from glassnet.layers.up_sampling2d import UpSampling2D
from glassnet.layers.zero_padding2d import ZeroPadding2D

__all__ = [
    "ELU",
    "Activation",
    "Add",
    "AlphaDropout",
    "Average",
    "BatchNormalization",
    "Concatenate",
    "Cropping2D",
    "Dense",
    "Dropout",
    "Flatten",
    "GaussianNoise",
    "Input",
    "InputLayer",
    "KerasTensor",
    "Lambda",
    "Layer",
    "LeakyReLU",
    "Maximum",
    "Minimum",
    "Multiply",
    "Normalization",
    "PReLU",
    "ReLU",
    "Rescaling",
    "Reshape",
    "Softmax",
    "SpatialDropout2D",
    "Subtract",
    "UpSampling2D",
    "ZeroPadding2D",
    "add",
    "average",
    "concatenate",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]
