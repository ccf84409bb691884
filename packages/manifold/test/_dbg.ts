import { lle } from '../src';
import { column, python, reactionToy } from './helpers';
const toy = reactionToy(1e-3);
const r = lle({ data: toy.data, rows: toy.n, cols: toy.m }, { components: 2, neighbors: 10, method:'modified', eigenSolver: 'dense' });
const sk = python(`from sklearn.manifold import LocallyLinearEmbedding
X = np.array(inp['x']).reshape(441,100)
l = LocallyLinearEmbedding(n_neighbors=10, n_components=2, method='modified', eigen_solver='dense').fit(X)
out={'err':l.reconstruction_error_, 'e':l.embedding_.ravel().tolist()}
`, { x: toy.data });
console.log(sk.err, r.reconstructionError);
const a=column(r.embedding,2,0), b=column(sk.e,2,0), a1=column(r.embedding,2,1), b1=column(sk.e,2,1);
let d00=0,d01=0,d10=0,d11=0; for(let i=0;i<441;i++){d00+=a[i]*b[i];d01+=a[i]*b1[i];d10+=a1[i]*b[i];d11+=a1[i]*b1[i];}
console.log(d00,d01,d10,d11);
const sk2 = python(`from sklearn.neighbors import NearestNeighbors
from scipy.linalg import eigh
X = np.array(inp['x']).reshape(441,100); N=441; K=10; d=2
nb=NearestNeighbors(n_neighbors=K+1).fit(X).kneighbors(X,return_distance=False)[:,1:]
evals=np.zeros((N,K))
for j in range(N):
  Xn=X[nb[j]]-X[j]; C=Xn@Xn.T; ev,_=eigh(C); evals[j]=ev[::-1]
rho=evals[:,d:].sum(1)/evals[:,:d].sum(1); eta=np.median(rho)
cs=np.cumsum(evals,1); er=cs[:,-1:]/cs[:,:-1]-1
s=np.array([np.searchsorted(er[j,::-1],eta) for j in range(N)])
out={'eta':eta,'hist':np.bincount(s,minlength=11).tolist(),'nb':nb[:2].tolist(),'ev0':evals[0].tolist()}
`, { x: toy.data });
console.log(sk2, r.parameters.eta, r.parameters.nullSpaceSizes);
