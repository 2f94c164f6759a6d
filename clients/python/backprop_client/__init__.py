"""backprop_client: call backprop-server from Python with numpy arrays in and out.

    from backprop_client import Client
    with Client("http://127.0.0.1:8080") as client:
        answer = client.gradients(body)          # any matrix in body may be a numpy array
        answer["layers"][0]["weightGradient"]    # a numpy array of the answer's dtype
"""
from ._client import AsyncClient, Client
from ._errors import ProblemError

__version__ = "0.1.0"
__all__ = ["Client", "AsyncClient", "ProblemError", "__version__"]
